"""What localab reads from a swarm's answers (the real swarm: tests/integration/test_swarm.py)."""

from unittest.mock import MagicMock

import pytest

from localab.host.engine import Engine, split_ref
from localab.host.errors import LocalabError, UsageError
from localab.host.hub import registry, swarm


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


def test_a_reference_splits_at_its_tag_not_at_a_registrys_port():
    assert split_ref("127.0.0.1:5001/localab:0.2.0-hub") == ("127.0.0.1:5001/localab", "0.2.0-hub")
    assert split_ref("127.0.0.1:5001/localab") == ("127.0.0.1:5001/localab", "latest")
    assert split_ref("localab:tf") == ("localab", "tf")
    assert split_ref("localab") == ("localab", "latest")


def test_a_registry_that_is_not_host_and_port_is_refused_before_anything_happens():
    engine = MagicMock(spec=Engine)
    for bad in ("registry.lab", "registry.lab:5000/path"):
        with pytest.raises(UsageError, match="is not HOST:PORT"):
            registry.push(engine, ["hub"], bad)
    assert engine.method_calls == []


def test_a_registry_service_that_cannot_start_is_removed_and_said_in_one_line(monkeypatch):
    engine = MagicMock(spec=Engine)
    engine.swarm.return_value = {"LocalNodeState": "active", "ControlAvailable": True, "NodeID": "n1",
                                 "NodeAddr": "10.0.0.2"}
    engine.service.return_value = None
    engine.tasks.return_value = [{"CreatedAt": "1", "Status": {"State": "rejected", "Err": "port 5001 in use"}}]
    monkeypatch.setattr(registry.images, "ensure_image", lambda *a, **k: {"Id": "sha256:x"})
    with pytest.raises(LocalabError) as refused:
        registry.ensure_registry(engine, say=lambda line: None)
    assert str(refused.value).startswith("the swarm's registry did not start (rejected: port 5001 in use)")
    engine.remove_service.assert_called_once_with(registry.SERVICE)
    [(_name, template), options] = engine.create_service.call_args
    assert template["Placement"] == {"Constraints": ["node.id==n1"]}
    assert options["endpoint_spec"]["Ports"][0]["PublishMode"] == "host"


def test_a_swarm_hub_offers_each_profile_as_a_service_pinned_by_digest_with_what_it_cannot_enforce():
    from localab.host import profiles
    from localab.host.hub import swarmhub

    engine = MagicMock(spec=Engine)
    engine.info.return_value = {"NCPU": 2, "MemTotal": 24 << 30, "Driver": "overlay2", "Runtimes": {"runc": {}}}
    engine.version.return_value = {"ApiVersion": "1.41"}
    engine.image.return_value = {"Config": {"Cmd": ["--ServerApp.open_browser=False"]}}
    gpu = {"DiscreteResourceSpec": {"Kind": "NVIDIA-GPU", "Value": 1}}
    engine.nodes.return_value = [node("m", role="manager"), node("w1"), node("w2", generic=[gpu])]
    pinned = {flavour: f"10.0.0.2:5001/localab:0.2.0-{flavour}@sha256:{flavour}"
              for flavour in ("colab", "colab-gpu", "tf", "tf-gpu", "hub")}
    config = swarmhub.swarm_settings(engine, profiles.load(), "cpu", pinned)
    services = config["swarm"]["services"]
    assert set(services) == set(config["profiles"])
    for name, service in services.items():
        image = service["template"]["ContainerSpec"]["Image"]
        assert image == pinned[config["profiles"][name]["flavour"]] == config["profiles"][name]["image"]
        assert any("no-new-privileges" in item for item in service["unenforced"])
        assert config["profiles"][name]["cmd"] == ["--ServerApp.open_browser=False"], "the hub cannot read it off its engine"
    # a node advertises a GPU: the GPU profiles take the GPU image and reserve one there
    assert config["profiles"]["p100"]["flavour"] == "colab-gpu"
    assert services["p100"]["template"]["Resources"]["Reservations"]["GenericResources"] == [gpu]
    assert "Reservations" not in services["cpu"]["template"]["Resources"]


def test_gpu_profiles_go_to_labelled_nodes_when_a_gpu_label_is_given():
    from localab.host import profiles
    from localab.host.hub import swarmhub

    engine = MagicMock(spec=Engine)
    engine.info.return_value = {"NCPU": 2, "MemTotal": 24 << 30, "Driver": "overlay2", "Runtimes": {"runc": {}}}
    engine.version.return_value = {"ApiVersion": "1.41"}
    engine.image.return_value = {"Config": {"Cmd": []}}
    engine.nodes.return_value = [node("m", role="manager"), node("w1"), node("w2", labels={"gpu": "p100"})]
    pinned = {flavour: f"r/localab@sha256:{flavour}" for flavour in ("colab", "colab-gpu", "tf", "tf-gpu", "hub")}
    config = swarmhub.swarm_settings(engine, profiles.load(), "cpu", pinned, gpu_label="gpu=p100")
    services = config["swarm"]["services"]
    assert config["profiles"]["p100"]["flavour"] == "colab-gpu"
    assert services["p100"]["template"]["Placement"] == {"Constraints": ["node.labels.gpu==p100"]}
    assert "Reservations" not in services["p100"]["template"]["Resources"], "a label is not a count of GPUs"
    assert any("two runtimes can share one" in item for item in services["p100"]["unenforced"])
    assert "Placement" not in services["cpu"]["template"]


def test_a_gpu_label_that_no_node_has_is_refused_naming_the_command_that_adds_it():
    from localab.host.hub import swarmhub

    engine = MagicMock(spec=Engine)
    engine.info.return_value = {"NCPU": 2, "MemTotal": 24 << 30}
    engine.nodes.return_value = [node("m", role="manager"), node("w1", labels={"gpu": "v100"})]
    with pytest.raises(UsageError, match=r"no node of this swarm has the label gpu=p100; add it .*"
                                         r"`docker node update --label-add gpu=p100 NODE`"):
        swarmhub.facts(engine, "gpu=p100")
    for bad in ("gpu", "=p100", "gpu=", "gpu = p100"):
        with pytest.raises(UsageError, match="is not KEY=VALUE"):
            swarmhub.facts(engine, bad)
    assert swarmhub.facts(engine, "gpu=v100").gpu_runtime
