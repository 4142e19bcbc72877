"""What every workload shares: where results go, per-step metrics, robust statistics.

A workload writes three things into its output folder: metrics.jsonl (one JSON
object per step or epoch), summary.json (the figures a person reads), and plots made
afterwards from those two files. Progress lines go to stdout for the host to show.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

from localab.guest import contract

SCALES = contract.SCALES
RESNET50_TRAIN_FLOP_PER_IMAGE = 24.5e9  # 3 x 4.1 G multiply-adds x 2 FLOP, at 224 x 224
SYNTHETIC_NOTE = "throughput valid, accuracy meaningless"
# Settings that move the figures, recorded as the run had them (unset ones left out).
SETTINGS = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS", "TF_ENABLE_ONEDNN_OPTS", "ONEDNN_PRIMITIVE_CACHE_CAPACITY", "TF_XLA_FLAGS", "LD_PRELOAD",
            "LOCALAB_FUSED_BATCH_NORM")


class Recorder:
    def __init__(self, out: Path):
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self._metrics = (out / contract.METRICS_FILE).open("a", buffering=1)
        self.notes: list[str] = []

    def metric(self, **values) -> None:
        values.setdefault("time", time.time())
        self._metrics.write(json.dumps(values) + "\n")

    def progress(self, text: str) -> None:
        print(f"progress: {text}", flush=True)

    def note(self, text: str) -> None:
        """Something the reader must know (synthetic data, missing weights...): said loudly."""
        self.notes.append(text)
        print(f"NOTE: {text}", flush=True)

    def summary(self, **figures) -> dict:
        summary = {**figures, "settings": {name: os.environ[name] for name in SETTINGS if name in os.environ},
                   "notes": self.notes}
        tmp = self.out / f"{contract.SUMMARY_FILE}.tmp"
        tmp.write_text(json.dumps(summary, indent=2) + "\n")
        os.replace(tmp, self.out / contract.SUMMARY_FILE)
        return summary

    def close(self) -> None:
        self._metrics.close()


def read_metrics(out: Path) -> list[dict]:
    path = out / contract.METRICS_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def spread(values: list[float]) -> dict:
    """Median and median absolute deviation: robust to the odd slow step."""
    if not values:
        return {"median": None, "mad": None, "n": 0}
    median = statistics.median(values)
    return {"median": median, "mad": statistics.median(abs(v - median) for v in values), "n": len(values),
            "min": min(values), "max": max(values)}


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(2)
