"""Bench results as a person reads them: a table per run, and history from the drive."""

import json
from pathlib import Path

from runtime.bench import registry
from runtime.bench.fmt import number as _fmt
from runtime.bench.runner import bench_root


def rows(summary: dict) -> list[tuple[str, str, str]]:
    """(measure, value, spread or note) lines for one result: the workload's own, then the shared ones."""
    figures, workload = summary.get("figures", {}), registry.REGISTRY.get(summary["workload"])
    out = workload.rows(summary) if workload else []
    if figures.get("container_over_host"):
        out.append(("container / host", _fmt(figures["container_over_host"], "x"), "measured in this run"))
    if summary.get("synthetic"):
        out.append(("data", "SYNTHETIC", "throughput valid, accuracy meaningless"))
    return out


def print_results(folders: list[Path], say=print) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)
    for folder in folders:
        summary = json.loads((folder / "summary.json").read_text())
        table = Table("measure", "value", "spread / note", title=f"{summary['workload']} - {folder.name}")
        for row in rows(summary):
            table.add_row(*row)
        console.print(table)
        for note in summary.get("notes", []):
            console.print(f"  note: {note}")
        pngs = ", ".join(p.name for p in sorted(folder.glob("*.png")))
        console.print(f"  results: {folder} ({pngs})")


def headline(summary: dict) -> float | None:
    workload = registry.REGISTRY.get(summary["workload"])
    return workload.headline(summary) if workload else None


def history(drive: Path) -> list[str]:
    root = bench_root(drive)
    runs = sorted(p for p in root.glob("*") if (p / "summary.json").is_file() and not p.name.startswith("."))
    if not runs:
        return [f"no bench results under {root}; run `invoke bench`"]
    lines, latest = [], {}
    for folder in runs:
        summary = json.loads((folder / "summary.json").read_text())
        run = json.loads((folder / "run.json").read_text())
        scale = run["params"]["scale"]
        key = (summary["workload"], scale)
        figure = headline(summary)
        flag = " synthetic" if summary.get("synthetic") else ""
        lines.append(f"{folder.name}  {summary['workload']:<17} {scale:<6} {_fmt(figure):>8}{flag}")
        latest.setdefault(key, []).append((folder.name, figure))
    lines.append("")
    for (workload, scale), entries in sorted(latest.items()):
        if len(entries) >= 2 and entries[-1][1] and entries[-2][1]:
            ratio = entries[-1][1] / entries[-2][1]
            lines.append(f"{workload} ({scale}): latest / previous = {ratio:.3f} ({entries[-1][0]} vs {entries[-2][0]})")
    return lines
