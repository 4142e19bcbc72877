"""A one-shot job on every node (localab/host/hub/oneshot.py): each node's outcome read off
its task, the service made once and always removed. The real swarm runs it in
tests/integration/test_swarm.py (pre-pull and purge)."""

from unittest.mock import MagicMock

import pytest

from localab.host.engine import Engine
from localab.host.hub import oneshot


def task(node: str, state: str, err: str = "") -> dict:
    return {"NodeID": node, "Status": {"State": state, "Err": err, "Message": state}}


def test_each_nodes_outcome_is_its_tasks_end_and_a_running_task_is_none():
    engine = MagicMock(spec=Engine)
    engine.tasks.return_value = [task("a", "complete"), task("b", "rejected", "no such image"),
                                 task("c", "running"), task("d", "shutdown")]
    assert oneshot.ended(engine, "job") == {"a": "", "b": "rejected: no such image", "d": "shutdown: shutdown"}


def test_wait_names_the_nodes_still_running_at_its_timeout():
    engine = MagicMock(spec=Engine)
    engine.tasks.return_value = [task("a", "complete"), task("c", "running")]
    assert oneshot.wait(engine, "job", {"a", "c"}, timeout_s=0) == {"a": "", "c": "not done within 0 s"}


def test_the_job_is_a_global_service_never_restarted_and_removed_even_when_the_caller_fails():
    engine = MagicMock(spec=Engine)
    with pytest.raises(RuntimeError), oneshot.global_job(engine, "job", {"Image": "i", "Command": ["true"]},
                                                         labels={"l": "v"}, constraints=["node.role==worker"]):
        raise RuntimeError("interrupted")
    [made] = engine.create_service.call_args_list
    assert made.args[0] == "job" and made.kwargs["mode"] == {"Global": {}} and made.kwargs["labels"] == {"l": "v"}
    template = made.args[1]
    assert template["RestartPolicy"] == {"Condition": "none"}
    assert template["Placement"] == {"Constraints": ["node.role==worker"]}
    assert template["ContainerSpec"]["HealthCheck"] == {"Test": ["NONE"]}
    # one left by an interrupted run goes first; this one goes on the way out
    assert [c.args for c in engine.remove_service.call_args_list] == [("job",), ("job",)]
