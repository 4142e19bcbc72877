"""What a bench workload is: how it runs, what it takes, how its summary.json is read,
shown and drawn. Each workload declares one `Workload` in its own module of this package
(its container code beside it), and localab/workloads/__init__.py lists them: one file and
one line. Host-run workloads name their host module, which loads on first use."""

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from .fmt import Row

WHERE = ("container", "host")


def no_args(request) -> list[str]:
    return []


def no_spread(summary: dict) -> dict | None:
    return None


def images_per_s(spread: dict) -> dict:
    return {"images_per_s": spread}


@dataclass(frozen=True)
class Workload:
    name: str
    where: str  # "container": `run` by python -m localab.workloads NAME in a fresh container; "host": run_host
    help: str  # one line for `localab bench --help`
    rows: Callable[[dict], list[Row]]  # the table lines of one summary (report.py adds the shared ones)
    headline: Callable[[dict], float | None]  # the one figure `bench --history` compares
    needs_sgemm: bool = False  # measure the host's sgemm peak (NumPy BLAS) before it runs
    compare_host: bool = False  # --compare-host / --compare-plain run it in a host venv / a plain container too
    args: Callable[[object], list[str]] = no_args  # extra container arguments from a BenchRequest
    run_host: Callable | None = None  # (engine, out, request, drive, live) -> summary, for where="host"
    main_spread: Callable[[dict], dict | None] = no_spread  # the figure container and host are compared on
    host_figure: Callable[[dict], dict] = images_per_s  # how the host's main spread is kept in figures["host"]
    finish: Callable[[dict, dict], None] | None = None  # (summary, run): add what only the host knows
    run: Callable | None = None  # (out, scale, options) -> summary, in the container, for where="container"
    charts: Callable | None = None  # (out, summary, figures) -> PNG paths; a throughput plot is drawn for any
    takes: frozenset = frozenset()  # the request options it uses beyond the scale: pipeline, resume, trace, batch

    def __post_init__(self):
        if self.where not in WHERE:
            raise ValueError(f"{self.name}: where is {self.where!r}, not one of {WHERE}")
        if (self.where == "host") != (self.run_host is not None):
            raise ValueError(f"{self.name}: run_host is for host workloads, and they need one")
        if (self.where == "container") != (self.run is not None):
            raise ValueError(f"{self.name}: run is for container workloads, and they need one")
        if self.compare_host and (self.where != "container" or self.main_spread is no_spread):
            raise ValueError(f"{self.name}: --compare-host needs a container workload with a main_spread")


def median_of(main_spread: Callable[[dict], dict | None]) -> Callable[[dict], float | None]:
    """A headline: the median of the workload's main figure."""
    def headline(summary: dict) -> float | None:
        return (main_spread(summary) or {}).get("median")

    return headline


def host_run(module: str) -> Callable:
    """A host workload's `run`, imported when called (they pull in the engine and Jupyter clients)."""
    def run(engine, out, request, drive, live) -> dict:
        return importlib.import_module(module).run(engine, out, request, drive, live)

    run.__qualname__ = run.__name__ = f"{module}.run"
    return run


def host_sgemm_peak(run: dict) -> float | None:
    """The median GFLOP/s of the host's sgemm, when run.json has it."""
    return (run.get("host_sgemm") or {}).get("gflop_s", {}).get("median")
