"""Every worker pulls the runtime images while `localab hub.up --swarm` starts, so that no
user's first server waits for a pull in its spawn (the colab image is 13 GB: its pull
outlasts a spawn's timeout on most networks). One short-lived global service per image,
whose task on each worker pulls it and exits; a worker that joins later pulls on its first
spawn."""

import contextlib
import time

from localab.host.engine import Engine
from localab.host.hub import oneshot
from localab.hubserver import contract as hub


def pull_on_workers(engine: Engine, pinned: dict[str, str], hub_name: str, say=print, timeout_s: float = 1800,
                    every_s: float = 30) -> dict[tuple[str, str], float]:
    """(flavour, worker) -> seconds its pull took, for each ready worker; a worker that could
    not pull, or had not by `timeout_s`, is said in one line and left to pull on first use."""
    workers = {n["ID"]: n["Description"]["Hostname"] for n in engine.nodes()
               if n["Spec"].get("Role") == "worker" and n["Status"].get("State") == "ready"
               and n["Spec"].get("Availability") == "active"}
    if not workers:
        say("no worker in the swarm is ready: users' servers wait for one (`localab hub.swarm-init` prints how to join)")
        return {}
    services = {flavour: f"{hub_name}-pull-{flavour}" for flavour in pinned}
    started = time.monotonic()
    took, trouble = {}, {}
    with contextlib.ExitStack() as jobs:
        for flavour, name in services.items():
            pull = {"Image": pinned[flavour], "Command": ["true"], "Args": []}
            jobs.enter_context(oneshot.global_job(engine, name, pull, labels={hub.LABEL: hub_name},
                                                  constraints=["node.role==worker"]))
        say(f"each of {len(workers)} worker(s) pulls {', '.join(sorted(pinned))} now, so no first server waits for it")
        next_word = started + every_s
        while time.monotonic() - started < timeout_s:
            for flavour, name in services.items():
                for node, why in oneshot.ended(engine, name).items():
                    key = (flavour, node)
                    if node in workers and key not in took and key not in trouble:
                        if why:
                            trouble[key] = why
                        else:
                            took[key] = time.monotonic() - started
            if len(took) + len(trouble) == len(services) * len(workers):
                break
            if time.monotonic() > next_word:
                say(f"    pulled {len(took)} of {len(services) * len(workers)} after {time.monotonic() - started:.0f} s")
                next_word += every_s
            time.sleep(1)
    for (flavour, node), seconds in sorted(took.items()):
        say(f"    {flavour} on {workers[node]}: {seconds:.0f} s")
    for (flavour, node), why in sorted(trouble.items()):
        say(f"    {flavour} could not be pulled on {workers[node]} ({why}); its servers there will try again")
    late = [f"{flavour} on {name}" for flavour in services for node, name in workers.items()
            if (flavour, node) not in took and (flavour, node) not in trouble]
    if late:
        say(f"    still pulling after {timeout_s:.0f} s: {', '.join(late)}; the first server there waits for it")
    return {(flavour, workers[node]): seconds for (flavour, node), seconds in took.items()}
