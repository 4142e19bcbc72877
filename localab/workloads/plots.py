"""PNG plots of a result folder, made from its files (metrics.jsonl, summary.json),
never from memory: `python -m localab.workloads --plots DIR` redraws them at any time.
The chart kinds a workload picks for its own figures are here too."""

import json
from pathlib import Path

from localab.guest import contract

from .common import read_metrics

FILES = ("throughput.png", "comparison.png", "sequential.png", "small-files.png")  # every plot this module writes


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, *plt.subplots(figsize=(8, 4.5), dpi=100)


def _save(plt, fig, ax, path: Path, title: str) -> Path:
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def throughput_over_steps(out: Path, summary: dict) -> Path | None:
    steps = [m for m in read_metrics(out) if "images_per_s" in m and "phase" in m]
    if not steps:
        return None
    plt, fig, ax = _figure()
    for phase in dict.fromkeys(m["phase"] for m in steps):
        values = [m["images_per_s"] for m in steps if m["phase"] == phase]
        ax.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=phase)
    warmup = summary.get("params", {}).get("warmup")
    if warmup:
        ax.axvspan(0.5, warmup + 0.5, color="grey", alpha=0.15, label=f"warm-up ({warmup} steps, excluded)")
    ax.set_xlabel("step")
    ax.set_ylabel("images/s")
    ax.legend()
    flag = " (synthetic data)" if summary.get("synthetic") else ""
    return _save(plt, fig, ax, out / "throughput.png", f"{summary['workload']}: throughput per step{flag}")


def bars(out: Path, summary: dict, values: dict[str, float], unit: str, name: str) -> Path | None:
    values = {k: v for k, v in values.items() if v}
    if not values:
        return None
    plt, fig, ax = _figure()
    labels = list(values)
    bars = ax.bar(labels, [values[k] for k in labels], color="#1f77b4")
    ax.bar_label(bars, fmt="%.3g")
    ax.set_ylabel(unit)
    plt.setp(ax.get_xticklabels(), rotation=15, ha="right")
    return _save(plt, fig, ax, out / f"{name}.png", f"{summary['workload']}: {unit}")


def medians(figures: dict) -> dict[str, float]:
    return {k: v["median"] for k, v in figures.items() if isinstance(v, dict) and "median" in v}


def pipeline_bars(out: Path, summary: dict, figures: dict) -> list[Path | None]:
    return [bars(out, summary, {p: figures.get(p, {}).get("images_per_s", {}).get("median") for p in ("seed", "tuned", "host")},
                 "images/s (median)", "comparison")]


def median_bars(unit: str):
    def draw(out: Path, summary: dict, figures: dict) -> list[Path | None]:
        return [bars(out, summary, medians(figures), unit, "comparison")]

    return draw


def storage_bars(out: Path, summary: dict, figures: dict) -> list[Path | None]:
    def pick(keys):
        return {f"{place} {key}": figures[place][key] for place in ("drive", "scratch") for key in keys}

    return [bars(out, summary, pick(("write_mb_s", "read_mb_s")), "MB/s", "sequential"),
            bars(out, summary, pick(("write_files_s", "read_files_s")), "files/s", "small-files")]


def load_bars(out: Path, summary: dict, figures: dict) -> list[Path | None]:
    by_kind = figures.get("by_kind", {})
    return [bars(out, summary, {f"{kind} p50": f["p50_s"] for kind, f in by_kind.items()}
                 | {f"{kind} p99": f["p99_s"] for kind, f in by_kind.items()}, "seconds", "comparison")]


def op_time(out: Path, summary: dict) -> Path | None:
    """--trace: each category's share of the ops' time in the profiled steps."""
    categories = (summary.get("profile") or {}).get("categories")
    if not categories:
        return None
    return bars(out, summary, {c["category"]: 100 * c["share"] for c in categories},
                "% of the ops' time in the profiled steps", "op_time")


def make(out: Path, charts=None) -> list[Path]:
    """Every plot of a result folder: throughput per step and op time where it has them,
    and the workload's own `charts` (its Workload's)."""
    summary = json.loads((out / contract.SUMMARY_FILE).read_text())
    made = [throughput_over_steps(out, summary), op_time(out, summary)]
    if charts:
        made += charts(out, summary, summary.get("figures", {}))
    return [path for path in made if path]
