"""Bench results as a person reads them: a table per run, and history from the drive."""

import json
from pathlib import Path

from runtime.bench.runner import bench_root


def _fmt(value, unit="", digits=3) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}{unit}"
    return f"{value:.{digits}g}{unit}"


def _spread(figure: dict | None, unit: str) -> tuple[str, str]:
    if not figure or figure.get("median") is None:
        return "-", ""
    if figure.get("mad") is None:
        return _fmt(figure["median"], unit), "median"
    return _fmt(figure["median"], unit), f"± {_fmt(figure['mad'])} (MAD, n={figure['n']})"


def rows(summary: dict) -> list[tuple[str, str, str]]:
    """(measure, value, spread or note) lines for one result."""
    figures, workload = summary.get("figures", {}), summary["workload"]
    out = []
    if workload in ("resnet50-cifar10", "input-pipeline"):
        for phase in ("seed", "tuned", "host"):
            if phase in figures:
                value, spread = _spread(figures[phase].get("images_per_s"), " images/s")
                out.append((f"{phase} pipeline" if phase != "host" else "host venv", value, spread))
                if figures[phase].get("mfu_vs_host_sgemm"):
                    out.append((f"{phase}: utilisation of host sgemm peak", _fmt(100 * figures[phase]["mfu_vs_host_sgemm"], " %"), ""))
                if figures[phase].get("val_accuracy") is not None:
                    out.append((f"{phase}: validation accuracy", _fmt(figures[phase]["val_accuracy"]), ""))
        if workload == "resnet50-cifar10":
            xla = any(figures[p].get("xla") for p in ("seed", "tuned") if p in figures)
            precision = "mixed float16" if summary.get("mixed_precision") else "float32"
            out.append(("compute", f"{precision}, XLA {'on' if xla else 'off'}", "XLA: Keras' own choice (GPU on, CPU off)"))
        if figures.get("tuned_over_seed"):
            out.append(("tuned / seed", _fmt(figures["tuned_over_seed"], "x"), "measured in this run"))
        for reference in summary.get("references", []):
            out.append((f"reference: {reference['match']}", _fmt(reference["images_per_s"], " images/s"), reference["source"]))
    elif workload == "matmul":
        for name, figure in figures.items():
            if isinstance(figure, dict) and "median" in figure:
                value, spread = _spread(figure, " GFLOP/s")
                out.append((name.replace("_", " "), value, spread))
        if figures.get("container_over_host_numpy"):
            out.append(("container / host NumPy", _fmt(figures["container_over_host_numpy"], "x"), "measured in this run"))
    elif workload == "storage":
        for key, unit, label in (("write_mb_s", " MB/s", "sequential write"), ("read_mb_s", " MB/s", "sequential read"),
                                 ("write_files_s", " files/s", "small-file writes"),
                                 ("read_files_s", " files/s", "small-file reads")):
            out.append((label,
                        f"drive {_fmt(figures['drive'][key], unit)} | scratch {_fmt(figures['scratch'][key], unit)}",
                        f"drive/scratch {_fmt(figures['drive_over_scratch'][key], 'x')}"))
    elif workload == "startup":
        for key, label in (("up_to_answering_s", "invoke up -> Jupyter answering"), ("second_up_s", "second invoke up (reuse)"),
                           ("kernel_first_cell_s", "kernel start -> first cell")):
            value, spread = _spread(figures.get(key), " s")
            out.append((label, value, spread))
    elif workload == "hub-spawn":
        for size in summary["params"]["waves"]:
            value, spread = _spread(figures.get(f"{size}_users_s"), " s")
            out.append((f"spawn -> ready, {size} user(s) at once", value, spread))
        out.append(("errors", str(len(figures.get("errors", []))), "; ".join(figures.get("errors", []))[:80]))
    elif workload == "load":
        out.append(("requests/s", _fmt(figures.get("requests_per_s")), f"{summary['params']['clients']} clients, "
                                                                       f"{summary['params']['seconds']} s"))
        out.append(("latency p50 / p99", f"{_fmt(figures.get('p50_s'), ' s')} / {_fmt(figures.get('p99_s'), ' s')}", "all requests"))
        for kind, figure in figures.get("by_kind", {}).items():
            out.append((f"  {kind}", f"{_fmt(figure['p50_s'], ' s')} / {_fmt(figure['p99_s'], ' s')}", f"n={figure['n']}"))
        out.append(("errors", str(figures.get("errors")), "must be 0"))
        before, after = figures.get("server_memory_before_bytes"), figures.get("server_memory_after_bytes")
        if before and after:
            out.append(("runtime memory", f"{before / 2**20:.0f} -> {after / 2**20:.0f} MiB", "before / after"))
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
    from runtime.bench.hostvenv import main_figure

    figures = summary.get("figures", {})
    if summary["workload"] == "storage":
        return figures.get("drive_over_scratch", {}).get("write_mb_s")
    if summary["workload"] == "startup":
        return (figures.get("up_to_answering_s") or {}).get("median")
    if summary["workload"] == "load":
        return figures.get("requests_per_s")
    if summary["workload"] == "hub-spawn":
        return (figures.get("1_users_s") or {}).get("median")
    return main_figure(summary)


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
