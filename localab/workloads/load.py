"""load: concurrent Jupyter clients against one runtime (localab/host/bench/load.py).
It runs on the host: its declaration and result reading are here, with the others."""

from .fmt import number
from .plots import load_bars
from .workload import Row, Workload, host_run


def rows(summary: dict) -> list[Row]:
    figures, params = summary.get("figures", {}), summary["params"]
    out = [("requests/s", number(figures.get("requests_per_s")), f"{params['clients']} clients, {params['seconds']} s"),
           ("latency p50 / p99", f"{number(figures.get('p50_s'), ' s')} / {number(figures.get('p99_s'), ' s')}", "all requests")]
    for kind, figure in figures.get("by_kind", {}).items():
        out.append((f"  {kind}", f"{number(figure['p50_s'], ' s')} / {number(figure['p99_s'], ' s')}", f"n={figure['n']}"))
    out.append(("errors", str(figures.get("errors")), "must be 0"))
    before, after = figures.get("server_memory_before_bytes"), figures.get("server_memory_after_bytes")
    if before and after:
        out.append(("runtime memory", f"{before / 2**20:.0f} -> {after / 2**20:.0f} MiB", "before / after"))
    return out


def headline(summary: dict) -> float | None:
    return summary.get("figures", {}).get("requests_per_s")


WORKLOAD = Workload(name="load", where="host", help="requests/s and latency of concurrent Jupyter clients on one runtime",
                    rows=rows, headline=headline, run_host=host_run("localab.host.bench.load"), charts=load_bars)
