"""The bench's side of the workloads' one registry (localab.workloads.REGISTRY): a name
checked into its Workload, the --workload help, and how a baseline's figure joins ours."""

from dataclasses import replace

from localab.host.errors import UsageError
from localab.workloads import DEFAULT, REGISTRY
from localab.workloads.workload import Workload

__all__ = ["DEFAULT", "REGISTRY", "get", "names", "help_text", "main_spread", "main_figure", "baseline_request",
           "compared"]


def names() -> list[str]:
    return list(REGISTRY)


def get(name: str) -> Workload:
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise UsageError(f"workload: '{name}' is not a workload; use one of: {', '.join(REGISTRY)}, or all") from None


def help_text() -> str:
    """`localab bench --help`'s line for --workload."""
    listed = "; ".join(f"{w.name}{' (default)' if w.name == DEFAULT else ''}: {w.help}" for w in REGISTRY.values())
    return f"{listed}; or all"


def main_spread(summary: dict) -> dict | None:
    """The figure a result is compared on (with a host venv, a plain container), with its spread."""
    return get(summary["workload"]).main_spread(summary)


def main_figure(summary: dict) -> float | None:
    return (main_spread(summary) or {}).get("median")


def baseline_request(request):
    """What a baseline (host venv, plain container) runs of a request: one pipeline, from the
    start (it keeps no checkpoints), untraced."""
    return replace(request, resume=False, trace=False, pipeline="seed" if request.pipeline == "both" else request.pipeline)


def compared(ours: dict, theirs: dict, figure: str, ratio: str) -> dict:
    """Our summary with a baseline's main figure (as `figure`) and ours over it (as `ratio`)."""
    spec, mine, other = get(ours["workload"]), main_figure(ours), main_figure(theirs)
    figures = ours.setdefault("figures", {})
    figures[figure] = spec.host_figure(main_spread(theirs) or {"median": None})
    figures[ratio] = mine / other if mine and other else None
    return ours
