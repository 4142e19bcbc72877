"""The `load` workload, from the host: N concurrent clients on the loopback address open
kernels, execute cells and read and write the contents API against one runtime, for a
bounded time. It reports requests/s, p50 and p99 latency, errors (there should be
none) and the runtime's memory before and after."""

import statistics
import threading
import time
import uuid
from pathlib import Path

from localab.host.bench.kernels import JupyterClient
from localab.host.lifecycle import verbs
from localab.host.lifecycle.state import read_token

SCALES = {"smoke": dict(clients=2, seconds=10), "quick": dict(clients=4, seconds=30), "full": dict(clients=8, seconds=60)}


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def client_loop(client: JupyterClient, number: int, stop_at: float, record) -> None:
    kernel = None
    try:
        started = time.perf_counter()
        kernel = client.start_kernel()
        record("kernel_start", time.perf_counter() - started, True)
        step = 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            result = client.execute(kernel, f"{number} * {step}", timeout_s=30)
            record("execute", time.perf_counter() - started, result.status == "ok" and result.results == [str(number * step)])
            path = f"/api/contents/load-{number}.txt"
            started = time.perf_counter()
            code, _ = client.request("PUT", path, {"type": "file", "format": "text", "content": f"step {step}"})
            record("contents_put", time.perf_counter() - started, code in (200, 201))
            started = time.perf_counter()
            code, body = client.request("GET", path)
            record("contents_get", time.perf_counter() - started, code == 200 and body.get("content") == f"step {step}")
            step += 1
    except Exception:  # counted, never hidden
        record("client", 0.0, False)
    finally:
        if kernel:
            client.shutdown_kernel(kernel)
        client.request("DELETE", f"/api/contents/load-{number}.txt")


def memory(engine, container: str) -> int | None:
    try:
        return engine.stats(container, one_shot=True)["memory_stats"].get("usage")
    except Exception:
        return None


def run(engine, out: Path, request, drive: Path, live) -> dict:
    from localab.workloads.common import Recorder

    params = SCALES[request.scale]
    recorder = Recorder(out)
    name = f"bench-load-{uuid.uuid4().hex[:8]}"
    samples: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    lock = threading.Lock()

    def record(kind: str, seconds: float, ok: bool) -> None:
        with lock:
            samples.setdefault(kind, []).append(seconds)
            if not ok:
                errors[kind] = errors.get(kind, 0) + 1
            recorder.metric(kind=kind, seconds=seconds, ok=ok)

    try:
        status = verbs.up(engine, verbs.UpRequest(name=name, profile=request.profile, drive=str(drive)),
                              say=lambda _: None)
        base = status.server.rstrip("/")
        token = read_token(name)
        before = memory(engine, status.container)
        live.update(f"load: {params['clients']} clients for {params['seconds']} s on {base}")
        stop_at = time.perf_counter() + params["seconds"]
        threads = [threading.Thread(target=client_loop, args=(JupyterClient(base, token), n, stop_at, record), daemon=True)
                   for n in range(params["clients"])]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=params["seconds"] + 120)
        wall = time.perf_counter() - started
        after = memory(engine, status.container)
    finally:
        verbs.down(engine, name, say=lambda _: None)
    live.done()
    requests = sum(len(v) for k, v in samples.items() if k not in ("kernel_start", "client"))
    all_latencies = [s for k, v in samples.items() if k not in ("kernel_start", "client") for s in v]
    figures = {
        "requests_per_s": requests / wall if wall else None,
        "p50_s": percentile(all_latencies, 0.50), "p99_s": percentile(all_latencies, 0.99),
        "errors": sum(errors.values()),
        "by_kind": {kind: {"n": len(values), "p50_s": percentile(values, 0.5), "p99_s": percentile(values, 0.99),
                           "mean_s": statistics.fmean(values) if values else None, "errors": errors.get(kind, 0)}
                    for kind, values in samples.items()},
        "server_memory_before_bytes": before, "server_memory_after_bytes": after,
    }
    return recorder.summary(workload="load", params=params, synthetic=False, figures=figures)
