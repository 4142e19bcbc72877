"""Peak matrix-multiply throughput: TensorFlow in the container (fp32; fp16 and bf16
on a GPU) and NumPy's BLAS. The host side measures the host's BLAS with the same
function, so the fit's utilisation (MFU) can be stated against the machine's peak."""

import time
from pathlib import Path

from .common import Recorder, spread
from .fmt import number, shown
from .plots import median_bars
from .workload import Row, Workload, host_sgemm_peak, median_of

SCALES = {"smoke": dict(n=256, seconds=1.0), "quick": dict(n=2048, seconds=10.0), "full": dict(n=4096, seconds=30.0)}


def timed_runs(step, flop: float, seconds: float, warmup: int = 2) -> list[float]:
    """GFLOP/s of repeated calls of `step`, warm-up excluded, for about `seconds`."""
    for _ in range(warmup):
        step()
    figures, stop_at = [], time.perf_counter() + seconds
    while time.perf_counter() < stop_at or len(figures) < 3:
        started = time.perf_counter()
        step()
        figures.append(flop / (time.perf_counter() - started) / 1e9)
    return figures


def numpy_gflops(n: int, seconds: float) -> dict:
    import numpy as np

    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    b = np.random.default_rng(1).random((n, n), dtype=np.float32)
    return spread(timed_runs(lambda: a @ b, 2.0 * n ** 3, seconds))


def tensorflow_gflops(tf, n: int, seconds: float, dtype: str, device: str) -> dict:
    with tf.device(device):
        a = tf.random.uniform((n, n), dtype=dtype)
        b = tf.random.uniform((n, n), dtype=dtype)
        matmul = tf.function(lambda: tf.matmul(a, b))

        def step():
            matmul().numpy()  # .numpy() waits for the device

        return spread(timed_runs(step, 2.0 * n ** 3, seconds))


def run(out: Path, scale: str, options: dict) -> dict:
    import tensorflow as tf

    params = SCALES[scale]
    recorder = Recorder(out)
    figures = {}
    recorder.progress(f"numpy float32 {params['n']}x{params['n']}")
    figures["numpy_float32"] = numpy_gflops(params["n"], params["seconds"])
    recorder.progress(f"tensorflow CPU float32 {params['n']}x{params['n']}")
    figures["tensorflow_cpu_float32"] = tensorflow_gflops(tf, params["n"], params["seconds"], "float32", "/CPU:0")
    if tf.config.list_physical_devices("GPU"):
        for dtype in ("float32", "float16", "bfloat16"):
            recorder.progress(f"tensorflow GPU {dtype}")
            figures[f"tensorflow_gpu_{dtype}"] = tensorflow_gflops(tf, params["n"], params["seconds"], dtype, "/GPU:0")
    for name, figure in figures.items():
        recorder.metric(measure=name, **{f"gflop_s_{k}": v for k, v in figure.items()})
    return recorder.summary(workload="matmul", params=params, synthetic=False, figures=figures)


# -- how the host reads and shows its result
def rows(summary: dict) -> list[Row]:
    figures, out = summary.get("figures", {}), []
    for name, figure in figures.items():
        if isinstance(figure, dict) and "median" in figure:
            value, note = shown(figure, " GFLOP/s")
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
    main_spread=main_spread, host_figure=lambda spread: spread, finish=finish, run=run,
    charts=median_bars("GFLOP/s (median)"),
)
