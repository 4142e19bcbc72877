"""A one-shot job on every node of a swarm: a global service whose task on each node runs
once and is not restarted, each node's outcome read off its task. hub.up's pre-pull and
hub.user --purge run theirs this way; the service goes when the job is done or abandoned."""

import contextlib
import time
from collections.abc import Iterator

from localab.host.engine import Engine

FAILED = ("failed", "rejected", "shutdown", "orphaned")


@contextlib.contextmanager
def global_job(engine: Engine, name: str, container: dict, *, labels: dict, constraints=()) -> Iterator[str]:
    """The job `name` running `container` (a ContainerSpec) once on each node that meets
    `constraints`, removed on the way out; one left by an interrupted run is replaced."""
    engine.remove_service(name)
    template = {"ContainerSpec": {**container, "HealthCheck": {"Test": ["NONE"]}},
                "RestartPolicy": {"Condition": "none"}}
    if constraints:
        template["Placement"] = {"Constraints": list(constraints)}
    engine.create_service(name, template, labels=labels, mode={"Global": {}})
    try:
        yield name
    finally:
        engine.remove_service(name)


def ended(engine: Engine, name: str) -> dict[str, str]:
    """Node id -> "" for each node whose task of the job completed, or why it failed."""
    outcomes = {}
    for task in engine.tasks(name):
        status = task.get("Status") or {}
        if status.get("State") == "complete":
            outcomes[task.get("NodeID")] = ""
        elif status.get("State") in FAILED:
            outcomes[task.get("NodeID")] = f"{status['State']}: {status.get('Err') or status.get('Message')}"
    return outcomes


def wait(engine: Engine, name: str, nodes: set[str], timeout_s: float) -> dict[str, str]:
    """ended() once every node in `nodes` has ended, or at `timeout_s` with each node still
    running said so."""
    deadline = time.monotonic() + timeout_s
    while True:
        outcomes = ended(engine, name)
        if nodes <= set(outcomes):
            return outcomes
        if time.monotonic() > deadline:
            return {**outcomes, **{node: f"not done within {timeout_s:.0f} s" for node in nodes - set(outcomes)}}
        time.sleep(1)
