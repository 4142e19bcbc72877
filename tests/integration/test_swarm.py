"""The swarm the hub spreads users over (issue 30), on three real engines on this machine
(tests/utils/swarm.py): `localab hub.swarm-init` makes one a manager and prints the command
the others join with, as typed on their hosts; `hub.nodes` lists what joined. An engine
outside a swarm, or a worker, is refused in one line."""

import dataclasses
import json
import re
import time

import pytest

import docker
from localab.host import profiles, refs
from localab.host.hub import servicespec
from localab.host.hub.names import CONTAINER as NAME
from localab.host.hub.settings import spawned_spec
from localab.host.plan import EngineFacts, plan
from tests.utils.runtime import build_image, invoke
from tests.utils.swarm import Swarm


@pytest.fixture(scope="module")
def nodes(engine, tmp_path_factory):
    swarm = Swarm(engine, tmp_path_factory.mktemp("swarm"))
    try:
        yield swarm.start()
    finally:
        swarm.remove()


def on(swarm: Swarm, name: str, *args: str):
    return invoke(*args, env={"DOCKER_HOST": swarm.socket(name)}, timeout=300)


def test_a_host_outside_a_swarm_is_told_how_to_make_one(nodes):
    result = on(nodes, nodes.names[1], "hub.nodes")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == ("localab: hub.nodes: this engine is not in a swarm (its state: inactive); run "
                                     "`localab hub.swarm-init` to make this host a manager, or point DOCKER_HOST at "
                                     "a manager's engine")


def test_three_engines_become_one_swarm_through_the_printed_join_command(nodes):
    manager, *workers = nodes.names
    result = on(nodes, manager, "hub.swarm-init")
    assert result.returncode == 0, result.stdout + result.stderr
    [join] = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("docker swarm join")]
    for worker in workers:
        joined = nodes.docker(worker, *join.split()[1:])
        assert joined.returncode == 0, joined.stdout + joined.stderr

    again = on(nodes, manager, "hub.swarm-init")
    assert again.returncode == 0 and "already a manager of a swarm of 3 node(s)" in again.stdout, again.stdout
    assert join in again.stdout, "the same join command, for a host added later"

    listed = json.loads(on(nodes, manager, "hub.nodes", "--json").stdout)
    assert sorted(n["hostname"] for n in listed) == sorted(nodes.names)
    assert [n["role"] for n in listed] == ["manager", "worker", "worker"]
    assert all(n["state"] == "ready" and n["cpus"] > 0 and n["memory_bytes"] > 0 for n in listed), listed

    text = on(nodes, manager, "hub.nodes").stdout
    assert f"{manager} (" in text and "manager, ready, active" in text and text.count("worker, ready") == 2

    refused = on(nodes, workers[0], "hub.swarm-init")
    assert refused.returncode == 2
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("localab: hub.swarm-init: this engine is a swarm worker; run it on a manager (")
    assert listed[0]["address"] in line


def test_a_node_that_advertises_a_gpu_is_listed_with_it(nodes):
    listed = {n["hostname"]: n for n in json.loads(on(nodes, nodes.names[0], "hub.nodes", "--json").stdout)}
    assert listed[nodes.names[2]]["gpus"] == 1 and listed[nodes.names[1]]["gpus"] == 0


def test_a_runtime_service_carries_the_profiles_caps_on_the_node_it_runs_on(nodes):
    """The cpu profile's spec as a service (localab.host.hub.servicespec), placed on a worker:
    its container there, inspected on that node and read from inside, has the caps."""
    manager, worker = nodes.names[0], nodes.names[1]
    assert len(json.loads(on(nodes, manager, "hub.nodes", "--json").stdout)) == 3, "the swarm test above joins them"
    nodes.load(worker, "localab-base:bookworm")
    profile = profiles.load().get("cpu")
    caps_plan = plan(profile, EngineFacts(cpus=2, gpu_runtime=False, scratch_cap=False))
    spec = dataclasses.replace(spawned_spec(caps_plan), image="localab-base:bookworm")
    template, unenforced = servicespec.task_template(spec, "1.41")
    template["ContainerSpec"]["Command"] = ["sleep", "600"]
    template["ContainerSpec"]["Mounts"] = [
        dict(m, Source=m["Source"].format(username="ada")) if "Source" in m else m
        for m in template["ContainerSpec"]["Mounts"]]
    template["Placement"] = {"Constraints": [f"node.hostname=={worker}"]}
    assert any("no-new-privileges" in line for line in unenforced) and any("swap" in line for line in unenforced)

    manager_api = docker.APIClient(base_url=nodes.socket(manager), timeout=60)
    service = manager_api.create_service(template, name="caps-check")["ID"]
    try:
        deadline = time.monotonic() + 90
        while not (tasks := [t for t in manager_api.tasks(filters={"service": service})
                             if t["Status"]["State"] == "running"]):
            assert time.monotonic() < deadline, manager_api.tasks(filters={"service": service})
            time.sleep(0.5)
        container_id = tasks[0]["Status"]["ContainerStatus"]["ContainerID"]
        worker_api = docker.APIClient(base_url=nodes.socket(worker), timeout=60)
        host = worker_api.inspect_container(container_id)["HostConfig"]
        caps = caps_plan.caps
        assert (host["Memory"], host["NanoCpus"], host["PidsLimit"]) == (caps.memory_bytes, caps.nano_cpus,
                                                                         caps.pids_limit)
        assert host["CapDrop"] == ["ALL"] and worker_api.inspect_container(container_id)["Config"]["User"] == spec.user
        inside = nodes.docker(worker, "exec", container_id, "sh", "-c",
                              "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes; "
                              "cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max; "
                              "df -B1 --output=size /dev/shm | tail -1; grep CapEff /proc/self/status; "
                              f"grep -c ' {spec.mounts[0].target} ' /proc/self/mountinfo")
        lines = inside.stdout.split("\n")
        assert len(lines) > 5, inside.stdout + inside.stderr
        memory, pids, shm, cap_eff, drive_mounts = lines[:5]
        # the kernel counts in pages: the memory cap rounded down to one, tmpfs's size up
        assert abs(int(memory) - caps.memory_bytes) < 4096 and abs(int(shm) - caps.shm_bytes) < 4096, inside
        assert int(pids) == caps.pids_limit, inside
        assert cap_eff.split()[1] == "0000000000000000" and drive_mounts == "1", inside.stdout + inside.stderr
    finally:
        manager_api.remove_service(service)


def test_images_reach_the_workers_through_the_swarms_registry_pinned_by_digest(nodes, engine):
    """hub.push on the manager: localab's registry service from the hub's image, pinned to
    the manager; the image under its version tag, referred to by digest; a worker runs it."""
    manager, worker = nodes.names[0], nodes.names[1]
    build_image(engine, "hub")
    hub_ref = refs.versioned_ref("hub")
    nodes.load(manager, refs.image_ref("hub"), hub_ref)
    result = on(nodes, manager, "hub.push", "--flavour", "hub")
    assert result.returncode == 0, result.stdout + result.stderr
    manager_api = docker.APIClient(base_url=nodes.socket(manager), timeout=60)
    swarm_info = manager_api.info()["Swarm"]
    [pinned] = [line.split(" -> ")[1] for line in result.stdout.splitlines() if line.startswith(f"{hub_ref} -> ")]
    assert re.fullmatch(rf"{re.escape(swarm_info['NodeAddr'])}:5001/localab:{re.escape(refs.version_tag('hub'))}"
                        r"@sha256:[0-9a-f]{64}", pinned), pinned
    registry = manager_api.inspect_service(f"{NAME}-registry")["Spec"]
    assert registry["TaskTemplate"]["Placement"]["Constraints"] == [f"node.id=={swarm_info['NodeID']}"]
    assert registry["TaskTemplate"]["ContainerSpec"]["Mounts"][0]["Source"] == f"{NAME}-registry-data"
    assert not any(tag.startswith("127.0.0.1:") for image in manager_api.images() for tag in image["RepoTags"] or [])

    again = on(nodes, manager, "hub.push", "--flavour", "hub")
    assert again.returncode == 0 and f"{hub_ref} -> {pinned}" in again.stdout and "started" not in again.stdout

    service = manager_api.create_service({"ContainerSpec": {"Image": pinned, "Command": ["sleep", "600"],
                                                            "HealthCheck": {"Test": ["NONE"]}},
                                          "Placement": {"Constraints": [f"node.hostname=={worker}"]}},
                                         name="pulled")["ID"]
    try:
        deadline = time.monotonic() + 180
        while not [t for t in manager_api.tasks(filters={"service": service}) if t["Status"]["State"] == "running"]:
            assert time.monotonic() < deadline, manager_api.tasks(filters={"service": service})
            time.sleep(1)
        worker_images = docker.APIClient(base_url=nodes.socket(worker), timeout=60).images()
        assert any(pinned.split("@")[1] in digest for image in worker_images for digest in image["RepoDigests"] or [])
    finally:
        manager_api.remove_service(service)


def test_a_registry_that_does_not_answer_is_one_line_and_leaves_no_tag(nodes):
    manager = nodes.names[0]
    refused = on(nodes, manager, "hub.push", "--flavour", "hub", "--registry", "127.0.0.1:9")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    [line] = refused.stderr.strip().splitlines()
    assert "did not take 127.0.0.1:9/localab:" in line and "check that 127.0.0.1:9 answers" in line
    tags = [tag for image in docker.APIClient(base_url=nodes.socket(manager)).images() for tag in image["RepoTags"] or []]
    assert not any(tag.startswith("127.0.0.1:9/") for tag in tags), tags
    bad = on(nodes, manager, "hub.push", "--flavour", "hub", "--registry", "registry.lab")
    assert bad.returncode == 2 and "is not HOST:PORT" in bad.stderr
