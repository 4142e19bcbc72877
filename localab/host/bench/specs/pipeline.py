"""input-pipeline: the seed's tf.data pipeline alone and the tuned one (workloads/pipeline.py)."""

from localab.host.bench.fmt import number, spread
from localab.host.bench.workload import Row, Workload, median_of

PHASES = ("seed", "tuned", "host", "plain_container")
LABELS = {"host": "host venv", "plain_container": "plain container"}


def phase_rows(figures: dict) -> list[Row]:
    """Images/s per pipeline (and the host venv's, the plain container's), shared with resnet50-cifar10."""
    out = []
    for phase in PHASES:
        if phase in figures:
            value, note = spread(figures[phase].get("images_per_s"), " images/s")
            out.append((LABELS.get(phase, f"{phase} pipeline"), value, note))
            if figures[phase].get("mfu_vs_host_sgemm"):
                out.append((f"{phase}: utilisation of host sgemm peak", number(100 * figures[phase]["mfu_vs_host_sgemm"], " %"), ""))
            if figures[phase].get("val_accuracy") is not None:
                out.append((f"{phase}: validation accuracy", number(figures[phase]["val_accuracy"]), ""))
    return out


def ratio_rows(summary: dict) -> list[Row]:
    """tuned / seed, and published references where the summary carries them."""
    figures, out = summary.get("figures", {}), []
    if figures.get("tuned_over_seed"):
        out.append(("tuned / seed", number(figures["tuned_over_seed"], "x"), "measured in this run"))
    for reference in summary.get("references", []):
        out.append((f"reference: {reference['match']}", number(reference["images_per_s"], " images/s"), reference["source"]))
    return out


def rows(summary: dict) -> list[Row]:
    return phase_rows(summary.get("figures", {})) + ratio_rows(summary)


def main_spread(summary: dict) -> dict | None:
    return summary.get("figures", {}).get("seed", {}).get("images_per_s")


WORKLOAD = Workload(
    name="input-pipeline", where="container", help="the fit's tf.data input pipeline alone, seed vs tuned (images/s)",
    rows=rows, headline=median_of(main_spread), compare_host=True, main_spread=main_spread,
)
