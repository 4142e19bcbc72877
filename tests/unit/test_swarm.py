"""What localab reads from a swarm's answers (the real swarm: tests/integration/test_swarm.py)."""

from unittest.mock import MagicMock

import pytest

from localab.host.engine import Engine
from localab.host.errors import LocalabError, UsageError
from localab.host.hub import swarm


def node(hostname, role="worker", generic=(), labels=None):
    return {"ID": "x" * 25, "Spec": {"Role": role, "Availability": "active", "Labels": labels or {}},
            "Status": {"State": "ready", "Addr": "10.0.0.2"},
            "Description": {"Hostname": hostname, "Resources": {"NanoCPUs": 4_000_000_000, "MemoryBytes": 8 << 30,
                                                                 "GenericResources": list(generic)}}}


def test_gpus_are_the_generic_resources_a_node_advertises():
    discrete = {"DiscreteResourceSpec": {"Kind": "NVIDIA-GPU", "Value": 2}}
    named = [{"NamedResourceSpec": {"Kind": "NVIDIA-GPU", "Value": f"GPU-{i}"}} for i in range(3)]
    other = {"DiscreteResourceSpec": {"Kind": "SSD", "Value": 1}}
    assert swarm.gpus_of(node("a", generic=[discrete, other])) == 2
    assert swarm.gpus_of(node("a", generic=named)) == 3
    assert swarm.gpus_of(node("a", labels={"gpus": "4"})) == 0
    assert swarm.gpus_of(node("a")) == 0


def test_nodes_list_the_manager_first_with_what_each_offers():
    engine = MagicMock(spec=Engine)
    engine.nodes.return_value = [node("b"), node("a", role="manager"), node("c")]
    listed = swarm.nodes(engine)
    assert [n["hostname"] for n in listed] == ["a", "b", "c"]
    assert listed[0]["cpus"] == 4 and listed[0]["memory_bytes"] == 8 << 30
    assert swarm.node_lines(listed)[0] == ("a (xxxxxxxxxxxx): manager, ready, active, 10.0.0.2; 4 CPUs, 8 GiB, "
                                           "0 GPU(s)")


def test_an_engine_with_several_addresses_asks_for_one():
    engine = MagicMock(spec=Engine)
    engine.swarm.return_value = {"LocalNodeState": "inactive"}
    engine.init_swarm.side_effect = LocalabError(
        "the engine did not make a swarm: could not choose an IP address to advertise since this system has "
        "multiple addresses on different interfaces (10.0.0.2 on eth0 and 192.168.1.5 on eth1)")
    with pytest.raises(UsageError, match="pass --advertise-addr ADDRESS"):
        swarm.init(engine)


def test_a_locked_or_pending_engine_is_not_a_manager():
    engine = MagicMock(spec=Engine)
    for state in ("pending", "locked", "error"):
        engine.swarm.return_value = {"LocalNodeState": state, "ControlAvailable": False}
        with pytest.raises(UsageError, match=f"its state: {state}"):
            swarm.require_manager(engine, "hub.nodes")
