"""The seed's tf.data input pipeline alone, and the tuned one: can input keep up
with the fit? Images/s of producing batches, with no model attached."""

import time
from pathlib import Path

from .common import SYNTHETIC_NOTE, Recorder, spread
from .data import cifar10
from .fmt import phase_rows, ratio_rows
from .plots import pipeline_bars
from .resnet import PIPELINES
from .workload import Row, Workload, median_of

SCALES = {"smoke": dict(images=256, size=32, batch=32, warmup=2),
          "quick": dict(images=2048, size=224, batch=32, warmup=4),
          "full": dict(images=50000, size=224, batch=32, warmup=10)}


def run(out: Path, scale: str, options: dict) -> dict:
    import tensorflow as tf

    params = SCALES[scale]
    recorder = Recorder(out)
    ((x, y), _), synthetic, source = cifar10(params["images"], 0)
    if synthetic:
        recorder.note(f"{source}: {SYNTHETIC_NOTE}")
    figures = {}
    for phase, make in PIPELINES.items():
        dataset = make(tf, x, y, params["size"], params["batch"])
        rates = []
        for epoch in range(2):  # the second pass shows what caching buys
            started = time.perf_counter()
            for step, (images, _) in enumerate(dataset):
                now = time.perf_counter()
                rate = int(images.shape[0]) / (now - started)
                recorder.metric(phase=phase, epoch=epoch, step=step, images_per_s=rate)
                if epoch == 1 or step >= params["warmup"]:
                    rates.append(rate)
                started = now
            recorder.progress(f"{phase} pass {epoch + 1}/2")
        figures[phase] = {"images_per_s": spread(rates)}
    figures["tuned_over_seed"] = figures["tuned"]["images_per_s"]["median"] / figures["seed"]["images_per_s"]["median"]
    return recorder.summary(workload="input-pipeline", params=params, synthetic=synthetic, data=source, figures=figures)


# -- how the host reads and shows its result
def rows(summary: dict) -> list[Row]:
    return phase_rows(summary.get("figures", {})) + ratio_rows(summary)


def main_spread(summary: dict) -> dict | None:
    return summary.get("figures", {}).get("seed", {}).get("images_per_s")


WORKLOAD = Workload(
    name="input-pipeline", where="container", help="the fit's tf.data input pipeline alone, seed vs tuned (images/s)",
    rows=rows, headline=median_of(main_spread), compare_host=True, main_spread=main_spread, run=run,
    charts=pipeline_bars,
)
