"""How bench figures are written in tables: numbers with units, medians with their spread,
and the rows the fit and the input pipeline share."""

Row = tuple[str, str, str]  # (measure, value, spread or note)


def number(value, unit="", digits=3) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}{unit}"
    return f"{value:.{digits}g}{unit}"


def shown(figure: dict | None, unit: str) -> tuple[str, str]:
    """(median, '± MAD (n)') of a figure made by localab.workloads.common.spread."""
    if not figure or figure.get("median") is None:
        return "-", ""
    if figure.get("mad") is None:
        return number(figure["median"], unit), "median"
    return number(figure["median"], unit), f"± {number(figure['mad'])} (MAD, n={figure['n']})"


PHASES = ("seed", "tuned", "host", "plain_container")
LABELS = {"host": "host venv", "plain_container": "plain container"}


def phase_rows(figures: dict) -> list[Row]:
    """Images/s per pipeline (and the host venv's, the plain container's), shared with resnet50-cifar10."""
    out = []
    for phase in PHASES:
        if phase in figures:
            value, note = shown(figures[phase].get("images_per_s"), " images/s")
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
