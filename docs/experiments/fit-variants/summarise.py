"""The table of results.jsonl: per variant, the median over runs of each run's median
images/s and its range, the ratio to the baseline (localab's settings before this work),
and the same ratio paired by round (each run against the baseline of its own round, so
drift of a shared host between rounds cancels)."""

import json
import statistics
import sys
from pathlib import Path

path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("results.jsonl"))
runs: dict[str, dict[int, float]] = {}
for line in path.read_text().splitlines():
    entry = json.loads(line)
    runs.setdefault(entry["name"], {})
    if entry["result"]:
        runs[entry["name"]][entry["round"]] = statistics.median(entry["result"]["all"])
base = runs["base"]
print("| variant | runs | images/s, median | range | vs base | paired by round: median (range) |")
print("| --- | --- | --- | --- | --- | --- |")
for name, by_round in runs.items():
    if not by_round:
        print(f"| {name} | 0 | failed | | | |")
        continue
    rates = list(by_round.values())
    median = statistics.median(rates)
    paired = [rate / base[round_] for round_, rate in by_round.items() if round_ in base]
    print(f"| {name} | {len(rates)} | {median:.2f} | {min(rates):.2f} to {max(rates):.2f} | "
          f"{median / statistics.median(base.values()):.2f}x | "
          f"{statistics.median(paired):.2f}x ({min(paired):.2f} to {max(paired):.2f}) |")
