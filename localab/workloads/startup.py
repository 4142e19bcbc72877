"""startup: `localab up` until Jupyter answers, reuse, first cell (localab/host/bench/startup.py).
It runs on the host: its declaration and result reading are here, with the others."""

from .fmt import shown
from .plots import median_bars
from .workload import Row, Workload, host_run

MEASURES = (("up_to_answering_s", "localab up -> Jupyter answering"), ("second_up_s", "second localab up (reuse)"),
            ("kernel_first_cell_s", "kernel start -> first cell"))


def rows(summary: dict) -> list[Row]:
    figures = summary.get("figures", {})
    return [(label, *shown(figures.get(key), " s")) for key, label in MEASURES]


def headline(summary: dict) -> float | None:
    return (summary.get("figures", {}).get("up_to_answering_s") or {}).get("median")


WORKLOAD = Workload(name="startup", where="host", help="seconds from `localab up` to Jupyter answering, and to a first cell",
                    rows=rows, headline=headline, run_host=host_run("localab.host.bench.startup"),
                    charts=median_bars("seconds (median)"))
