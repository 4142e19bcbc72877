"""resnet50-cifar10: the seed tutorial's fit (workloads/resnet.py)."""

import tomllib

from localab.host.bench.specs.pipeline import phase_rows, ratio_rows
from localab.host.bench.workload import Row, Workload, host_sgemm_peak, median_of
from localab.host.paths import WORKLOADS_DIR


def args(request) -> list[str]:
    return ["--pipeline", request.pipeline] + (["--resume"] if request.resume else []) + \
        (["--trace"] if request.trace else []) + (["--batch", str(request.batch)] if request.batch else [])


def rows(summary: dict) -> list[Row]:
    figures = summary.get("figures", {})
    xla = any(figures[p].get("xla") for p in ("seed", "tuned") if p in figures)
    precision = "mixed float16" if summary.get("mixed_precision") else "float32"
    fused = ", batch norm fused" if summary.get("params", {}).get("fused_batch_norm") else ""
    compute = ("compute", f"{precision}, XLA {'on' if xla else 'off'}{fused}", "XLA: Keras' own choice (GPU on, CPU off)")
    return phase_rows(figures) + [compute] + ratio_rows(summary) + profile_rows(summary.get("profile"))


def profile_rows(profile: dict | None) -> list[Row]:
    """--trace: where the profiled steps' time went, by category, with each one's FLOP rate."""
    if not profile:
        return []
    out = [("CPU time in TensorFlow ops", f"{profile['in_ops_share']:.0%}" if profile.get("in_ops_share") else "-",
            f"of {profile['cpus']} CPUs x {profile['wall_s']:.1f} s, {profile.get('steps') or '?'} profiled steps; "
            f"the rest: framework overhead, idle threads")]
    for entry in profile["categories"][:8]:
        rate = entry.get("gflop_s")
        note = f"~{rate:.1f} GFLOP/s (from the model's FLOPs)" if rate else ""
        if rate and entry.get("of_sgemm_peak"):
            note += f", {entry['of_sgemm_peak']:.0%} of the host's sgemm peak"
        out.append((f"  {entry['category']}", f"{entry['share']:.0%} of op time", note))
    return out


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
        for entry in (summary.get("profile") or {}).get("categories", []):
            if entry.get("gflop_s"):
                entry["of_sgemm_peak"] = entry["gflop_s"] / peak
    gpus = run.get("host", {}).get("gpus") or []
    if gpus and run.get("caps", {}).get("gpus"):
        summary["references"] = [ref for ref in references().values() if ref["match"] in gpus[0]]


WORKLOAD = Workload(
    name="resnet50-cifar10", where="container",
    help="the seed tutorial's Keras ResNet50 fit on CIFAR-10 (images/s, utilisation, accuracy)",
    rows=rows, headline=median_of(main_spread), needs_sgemm=True, compare_host=True, args=args,
    main_spread=main_spread, finish=finish,
)
