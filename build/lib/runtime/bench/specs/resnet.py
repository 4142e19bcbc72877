"""resnet50-cifar10: the seed tutorial's fit (workloads/resnet.py)."""

import tomllib

from runtime.bench.specs.pipeline import phase_rows, ratio_rows
from runtime.bench.workload import Row, Workload, host_sgemm_peak, median_of
from runtime.paths import WORKLOADS_DIR


def args(request) -> list[str]:
    return ["--pipeline", request.pipeline] + (["--resume"] if request.resume else [])


def rows(summary: dict) -> list[Row]:
    figures = summary.get("figures", {})
    xla = any(figures[p].get("xla") for p in ("seed", "tuned") if p in figures)
    precision = "mixed float16" if summary.get("mixed_precision") else "float32"
    compute = ("compute", f"{precision}, XLA {'on' if xla else 'off'}", "XLA: Keras' own choice (GPU on, CPU off)")
    return phase_rows(figures) + [compute] + ratio_rows(summary)


def main_spread(summary: dict) -> dict | None:
    return summary.get("figures", {}).get(summary["pipelines"][0], {}).get("images_per_s")


def references() -> dict:
    return tomllib.loads((WORKLOADS_DIR / "references.toml").read_text())["gpus"]


def finish(summary: dict, run: dict) -> None:
    """Utilisation against the host's sgemm peak; published figures for the GPU it ran on."""
    figures, peak = summary["figures"], host_sgemm_peak(run)
    if peak:
        for phase in summary.get("pipelines", []):
            achieved = figures.get(phase, {}).get("achieved_gflop_s")
            if achieved:
                figures[phase]["mfu_vs_host_sgemm"] = achieved / peak
    gpus = run.get("host", {}).get("gpus") or []
    if gpus and run.get("caps", {}).get("gpus"):
        summary["references"] = [ref for ref in references().values() if ref["match"] in gpus[0]]


WORKLOAD = Workload(
    name="resnet50-cifar10", where="container",
    help="the seed tutorial's Keras ResNet50 fit on CIFAR-10 (images/s, utilisation, accuracy)",
    rows=rows, headline=median_of(main_spread), needs_sgemm=True, compare_host=True, args=args,
    main_spread=main_spread, finish=finish,
)
