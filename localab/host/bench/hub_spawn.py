"""The `hub-spawn` workload, from the host: time from a spawn request to a ready server
through JupyterHub + DockerSpawner, for 1, 4 and 8 users at once (JupyterHub's
DockerSpawner is about 14 s cold in published reports). On a swarm manager whose hub runs
(`localab hub.up --swarm`), the same through that hub's SwarmSpawner, its runtimes spread
over the workers; the images' first pull on each worker is `hub.up`'s, timed there."""

import threading
import time
import uuid
from pathlib import Path

from localab.host.errors import LocalabError
from localab.host.hub import control as hubctl

WAVES = {"smoke": (1, 2), "quick": (1, 4, 8), "full": (1, 4, 8)}
REPEATS = {"smoke": 1, "quick": 2, "full": 5}


def spawn_and_wait(port: int, name: str, profile: str, results: list, timeout_s: float = 300) -> None:
    started = time.perf_counter()
    code, body = hubctl.api(port, "POST", f"/users/{name}/server", {"profile": profile})
    if code not in (201, 202):
        results.append((name, None, f"HTTP {code}: {body}"))
        return
    deadline = started + timeout_s
    while time.perf_counter() < deadline:
        code, user = hubctl.api(port, "GET", f"/users/{name}")
        if code == 200 and (user.get("servers") or {}).get("", {}).get("ready"):
            results.append((name, time.perf_counter() - started, None))
            return
        time.sleep(0.2)
    results.append((name, None, f"not ready within {timeout_s:.0f} s"))


def stop(port: int, name: str) -> None:
    hubctl.api(port, "DELETE", f"/users/{name}/server")
    for _ in range(300):
        code, user = hubctl.api(port, "GET", f"/users/{name}")
        if code != 200 or not user.get("servers"):
            return
        time.sleep(0.2)


def run(engine, out: Path, request, drive: Path, live) -> dict:
    from localab.host.hub import swarmhub
    from localab.workloads.common import Recorder, spread

    recorder = Recorder(out)
    port = swarmhub.running_port(engine)
    where = f"swarm of {len(engine.nodes())} nodes" if port else "one host"
    started_here = False
    if port is None:
        existing = engine.container(hubctl.CONTAINER)
        started_here = not (existing and existing["State"].get("Running"))
        url = hubctl.up(engine, profile=request.profile, say=lambda _: None)
        port = int(url.split(":")[2].split("/")[0])
    profile = request.profile or "cpu"
    # Users of this run only (a real user named bench-1 is never touched), removed at the end.
    run_id = uuid.uuid4().hex[:6]
    names = [f"bench-{run_id}-{n}" for n in range(1, max(WAVES[request.scale]) + 1)]
    code, created = hubctl.api(port, "POST", "/users", {"usernames": names})
    if code != 201:
        raise LocalabError(f"the hub refused the bench's users (HTTP {code}): {created}")
    figures, errors = {}, []
    try:
        for size in WAVES[request.scale]:
            times = []
            for repeat in range(REPEATS[request.scale]):
                results: list = []
                threads = [threading.Thread(target=spawn_and_wait, args=(port, name, profile, results))
                           for name in names[:size]]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=360)
                for name, seconds, error in results:
                    recorder.metric(users=size, repeat=repeat, user=name, seconds=seconds, error=error)
                    if error:
                        errors.append(f"{name}: {error}")
                    else:
                        times.append(seconds)
                live.update(f"hub-spawn: {size} user(s) at once, round {repeat + 1}: "
                            + ", ".join(f"{s:.1f} s" for _, s, e in results if s))
                for name in names[:size]:
                    stop(port, name)
            figures[f"{size}_users_s"] = spread(times)
    finally:
        for name in [user["name"] for user in created]:
            hubctl.api(port, "DELETE", f"/users/{name}")
        if started_here:
            hubctl.down(engine, say=lambda _: None)
    live.done()
    figures["errors"] = errors
    return recorder.summary(workload="hub-spawn", params={"waves": WAVES[request.scale], "profile": profile, "hub": where,
                                                         "repeats": REPEATS[request.scale]},
                            synthetic=False, figures=figures)
