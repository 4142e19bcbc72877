"""matmul: peak matrix-multiply GFLOP/s, TensorFlow and NumPy (workloads/matmul.py)."""

from localab.host.bench.fmt import number, spread
from localab.host.bench.workload import Row, Workload, host_sgemm_peak, median_of


def rows(summary: dict) -> list[Row]:
    figures, out = summary.get("figures", {}), []
    for name, figure in figures.items():
        if isinstance(figure, dict) and "median" in figure:
            value, note = spread(figure, " GFLOP/s")
            out.append((name.replace("_", " "), value, note))
    if figures.get("container_over_host_numpy"):
        out.append(("container / host NumPy", number(figures["container_over_host_numpy"], "x"), "measured in this run"))
    return out


def main_spread(summary: dict) -> dict | None:
    return summary.get("figures", {}).get("tensorflow_cpu_float32")


def finish(summary: dict, run: dict) -> None:
    """The host's own NumPy sgemm next to the container's."""
    figures, peak = summary["figures"], host_sgemm_peak(run)
    if peak:
        figures["host_numpy_float32"] = run["host_sgemm"]["gflop_s"]
        container = figures.get("numpy_float32", {}).get("median")
        if container:
            figures["container_over_host_numpy"] = container / peak


WORKLOAD = Workload(
    name="matmul", where="container", help="peak matrix-multiply GFLOP/s of TensorFlow and NumPy",
    rows=rows, headline=median_of(main_spread), needs_sgemm=True, compare_host=True,
    main_spread=main_spread, host_figure=lambda spread: spread, finish=finish,
)
