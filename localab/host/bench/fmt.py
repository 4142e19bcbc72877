"""How bench figures are written in tables: numbers with units, medians with their spread."""


def number(value, unit="", digits=3) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}{unit}"
    return f"{value:.{digits}g}{unit}"


def spread(figure: dict | None, unit: str) -> tuple[str, str]:
    """(median, '± MAD (n)') of a figure made by workloads.common.spread."""
    if not figure or figure.get("median") is None:
        return "-", ""
    if figure.get("mad") is None:
        return number(figure["median"], unit), "median"
    return number(figure["median"], unit), f"± {number(figure['mad'])} (MAD, n={figure['n']})"
