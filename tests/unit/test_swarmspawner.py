"""The swarm spawner's poll (localab/hubserver/swarmspawner.py), through the real
LocalabSwarmSpawner with the engine's answers given: a runtime that ended by itself leaves
no service behind, one that runs is left alone, one on a node that is down is gone. The
real swarm runs it in tests/integration/test_swarm.py (a profile's lifetime)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from unittest.mock import Mock

import pytest


def poll(state: str, node_state: str = "ready") -> tuple[object, list[str]]:
    """(what poll returned, the services it removed) for a task in `state` on a node."""
    from localab.hubserver.swarmspawner import LocalabSwarmSpawner

    removed = []

    async def docker(method, *args, **kwargs):
        if method == "inspect_service":
            return {"ID": "svc", "Spec": {"Name": "localab-hub-ada"}}
        if method == "tasks":
            return [{"ID": "task", "NodeID": "n1", "DesiredState": "running",
                     "Status": {"State": state, "Message": state, "ContainerStatus": {"ExitCode": 0}}}]
        if method == "inspect_node":
            return {"Description": {"Hostname": "w1"}, "Status": {"State": node_state},
                    "Spec": {"Availability": "active"}}
        if method == "remove_service":
            removed.append(args[0])
            return None
        raise AssertionError(f"the spawner asked the engine for {method}")

    async def run():
        spawner = LocalabSwarmSpawner(user=SimpleNamespace(name="ada", id=1, url="/user/ada/"), hub=Mock(),
                                      orm_spawner=SimpleNamespace(name="", server=None, state=None))
        spawner.remove, spawner.object_id = True, "svc"  # the hub's config says remove
        spawner.docker = docker
        return await spawner.poll()

    with ThreadPoolExecutor(max_workers=1) as pool:  # the browser tests keep a loop in the main thread
        return pool.submit(asyncio.run, run()).result(), removed


@pytest.mark.parametrize("state", ["complete", "failed", "shutdown"])
def test_a_runtime_that_ended_by_itself_is_gone_and_its_service_removed(state):
    status, removed = poll(state)
    assert status is not None and removed == ["svc"]


def test_a_running_runtime_is_left_alone():
    assert poll("running") == (None, [])


def test_a_runtime_on_a_node_that_is_down_is_gone():
    status, removed = poll("running", node_state="down")
    assert status == "node w1 is down" and removed == []
