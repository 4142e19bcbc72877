"""hub-spawn: JupyterHub spawn-to-ready for waves of users (localab/host/bench/hub_spawn.py).
It runs on the host: its declaration and result reading are here, with the others."""

from .fmt import shown
from .plots import median_bars
from .workload import Row, Workload, host_run


def rows(summary: dict) -> list[Row]:
    figures = summary.get("figures", {})
    where = summary["params"].get("hub", "one host")
    out = [(f"spawn -> ready, {size} user(s) at once ({where})", *shown(figures.get(f"{size}_users_s"), " s"))
           for size in summary["params"]["waves"]]
    out.append(("errors", str(len(figures.get("errors", []))), "; ".join(figures.get("errors", []))[:80]))
    return out


def headline(summary: dict) -> float | None:
    return (summary.get("figures", {}).get("1_users_s") or {}).get("median")


WORKLOAD = Workload(name="hub-spawn", where="host", help="JupyterHub spawn -> ready seconds for waves of users at once",
                    rows=rows, headline=headline, run_host=host_run("localab.host.bench.hub_spawn"),
                    charts=median_bars("seconds (median)"))
