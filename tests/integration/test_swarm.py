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
from localab.guest.contract import IMAGE_GID, IMAGE_UID
from localab.host import profiles, refs
from localab.host.hub import servicespec
from localab.host.hub.names import CONTAINER as NAME
from localab.host.hub.names import DRIVE_VOLUME
from localab.host.hub.settings import spawned_spec
from localab.host.plan import EngineFacts, plan
from tests.utils.hub import Hub
from tests.utils.runtime import build_image, free_port, invoke, profiles_file, wait_for
from tests.utils.swarm import Swarm


@pytest.fixture(scope="module")
def nodes(engine, tmp_path_factory):
    swarm = Swarm(engine, tmp_path_factory.mktemp("swarm"), manager_port=free_port())
    try:
        yield swarm.start()
    finally:
        swarm.remove()


def on(swarm: Swarm, name: str, *args: str):
    return invoke(*args, env={"DOCKER_HOST": swarm.socket(name), "LOCALAB_STATE_DIR": str(swarm.folder / "state")},
                  timeout=300)


def services(api) -> list[str]:
    return [service["Spec"]["Name"] for service in api.services()]


def test_a_host_outside_a_swarm_is_told_how_to_make_one(nodes):
    result = on(nodes, nodes.names[1], "hub.nodes")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == ("localab: hub.nodes: this engine is not in a swarm (its state: inactive); run "
                                     "`localab hub.swarm-init` to make this host a manager, or point DOCKER_HOST at "
                                     "a manager's engine")
    for verb in (["hub.up", "--swarm"], ["hub.down", "--swarm"]):
        refused = on(nodes, nodes.names[1], *verb)
        assert refused.returncode == 2 and refused.stderr.startswith(f"localab: {' '.join(verb)}: this engine is not "
                                                                      f"in a swarm"), refused.stderr


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


def test_a_drive_export_that_cannot_be_mounted_or_a_gpu_label_no_node_has_is_one_line_and_starts_nothing(nodes):
    """--drive-nfs is tried on the manager before anything starts: the engine really mounts it
    (127.0.0.1 in the manager's node: no NFS server there, and this kernel has no nfs at all)."""
    manager = nodes.names[0]
    manager_api = docker.APIClient(base_url=nodes.socket(manager), timeout=60)

    def made():
        return (services(manager_api), sorted(n["Name"] for n in manager_api.networks()),
                sorted(v["Name"] for v in manager_api.volumes()["Volumes"] or []),
                sorted(c["Id"] for c in manager_api.containers(all=True)))

    before = made()
    refused = on(nodes, manager, "hub.up", "--swarm", "--drive-nfs", "127.0.0.1:/drives")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("localab: --drive-nfs: 127.0.0.1:/drives cannot be mounted on this manager ("), line
    assert line.endswith("nothing was started"), line
    assert made() == before
    for args, why in ((["--swarm", "--drive-nfs", "nfs.lab"], "'nfs.lab' is not SERVER:/EXPORT"),
                      (["--drive-nfs", "nfs.lab:/drives"], "give it with --swarm"),
                      (["--swarm", "--gpu-label", "gpu=p100"], "no node of this swarm has the label gpu=p100")):
        bad = on(nodes, manager, "hub.up", *args)
        assert bad.returncode == 2 and why in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert made() == before


# Every packaged profile on the TensorFlow image without a GPU: the colab image (13 GB) would
# take the test minutes to carry to each node.
def tf_profiles(**extra: str) -> str:
    """The packaged profiles on the tf image, each with `extra[name]`'s TOML lines added."""
    return "".join(f'[profiles.{name}]\nflavour = "tf"\ngpu = ""\ngpu_memory = "0"\n{extra.get(name.replace("-", "_"), "")}\n'
                   for name in ("p100", "free", "high-ram", "cpu", "local"))


@pytest.fixture(scope="module")
def hub_nodes(nodes, engine, tf_image):
    """The swarm with the hub's and the runtime's images on its manager, loaded once."""
    build_image(engine, "hub")
    nodes.load(nodes.names[0], refs.image_ref("tf"), refs.versioned_ref("tf"), refs.image_ref("hub"),
               refs.versioned_ref("hub"))
    return nodes


def hub_env(nodes, profiles_text: str) -> dict[str, str]:
    return {"DOCKER_HOST": nodes.socket(nodes.names[0]), "LOCALAB_HUB_NAME": NAME,
            **profiles_file(nodes.shared, profiles_text)}


def node_of(api, name: str) -> str:
    """The node that runs `name`'s server."""
    [task] = [t for t in api.tasks(filters={"service": f"{NAME}-{name}"}) if t["DesiredState"] == "running"]
    return api.inspect_node(task["NodeID"])["Description"]["Hostname"]


def test_the_hub_on_the_swarm_spreads_users_over_the_workers_and_keeps_each_drive_on_its_node(hub_nodes, engine):
    """hub.up --swarm on the manager: four people log in through the hub's login page, their
    runtimes are services on both workers with the profile's caps; a second server returns
    to the node with the user's drive; the hub service restarts with its users and tokens;
    a worker that goes down ends its servers and the next spawn names it; hub.down --swarm
    removes what it made and keeps the drives."""
    nodes = hub_nodes
    manager, workers = nodes.names[0], nodes.names[1:]
    env = hub_env(nodes, tf_profiles())

    def describe():
        tasks = nodes.docker(manager, "service", "ps", "--no-trunc", "--format",
                             "{{.Name}} {{.Node}} {{.CurrentState}} {{.Error}}", *services(manager_api))
        logs = nodes.docker(manager, "service", "logs", "--tail", "40", NAME)
        return f"tasks:\n{tasks.stdout}{tasks.stderr}\nthe hub's last lines:\n{logs.stdout}{logs.stderr}"

    manager_api = docker.APIClient(base_url=nodes.socket(manager), timeout=60)
    hub = Hub(nodes.shared, env=env, port=nodes.manager_port, describe=describe)
    output = hub.up("cpu", "--swarm")
    assert output.strip().splitlines()[-1] == f"http://127.0.0.1:{hub.port}/hub/", output
    # every worker pulled the runtime image before anyone asked for a server
    [tf_digest] = [line.split("@")[1] for line in output.splitlines() if line.startswith(refs.versioned_ref("tf") + " -> ")]
    for worker in workers:
        assert re.search(rf"^    tf on {worker}: \d+ s$", output, re.M), output
        pulled = docker.APIClient(base_url=nodes.socket(worker), timeout=60).images()
        assert any(d.endswith(tf_digest) for image in pulled for d in image["RepoDigests"] or []), pulled
    assert not [name for name in services(manager_api) if "-pull-" in name]
    hub_service = manager_api.inspect_service(NAME)
    assert hub_service["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"].split("@")[1].startswith("sha256:")
    assert hub_service["Spec"]["EndpointSpec"]["Mode"] == "dnsrr"

    people = ["ada", "ben", "cy", "dee"]
    tokens = {name: hub.login(name, hub.user(name)) for name in people}
    clients = {name: hub.start(name, tokens[name]) for name in people}

    placed = {name: node_of(manager_api, name) for name in people}
    assert set(placed.values()) == set(workers), placed
    cpu = profiles.load().get("cpu")
    for name in people:
        on_node = docker.APIClient(base_url=nodes.socket(placed[name]), timeout=60)
        [container] = on_node.containers(filters={"label": f"com.docker.swarm.service.name={NAME}-{name}"})
        inspected = on_node.inspect_container(container["Id"])
        host = inspected["HostConfig"]
        assert host["Memory"] == cpu.memory_bytes and host["NanoCpus"] == int(cpu.cpus * 1e9), host
        assert host["PidsLimit"] == cpu.pids_limit and host["CapDrop"] == ["ALL"], host
        assert inspected["Config"]["User"] == f"{IMAGE_UID}:{IMAGE_GID}", "never root, as on one host"
        wrote = clients[name].run(f"open('/content/drive/MyDrive/{name}.txt', 'w').write('{name}'); import os; "
                                  f"print(' '.join(n for n in os.listdir('/content/drive/MyDrive') if n.endswith('.txt')))")
        assert wrote.status == "ok" and wrote.stdout.split() == [f"{name}.txt"], wrote

    status = hub.invoke("status")
    assert "not enforced on this swarm" in status.stdout and "swap" in status.stdout, status.stdout

    # A second server returns to the node that holds the drive.
    assert hub.api("DELETE", "/users/ada/server", tokens["ada"]).status_code in (202, 204)
    wait_for(lambda: not manager_api.services(filters={"name": f"{NAME}-ada"}), timeout_s=60, what="ada's service to go")
    again = hub.start("ada", tokens["ada"])
    ada_node = manager_api.inspect_node(placed["ada"])["ID"]
    assert manager_api.inspect_service(f"{NAME}-ada")["Spec"]["TaskTemplate"]["Placement"]["Constraints"] == [
        f"node.id=={ada_node}"], "pinned to the drive's node, not there by chance"
    assert node_of(manager_api, "ada") == placed["ada"]
    assert again.run("print(open('/content/drive/MyDrive/ada.txt').read())").stdout.strip() == "ada"

    # The hub's service restarts (a new task, the same database volume): users and tokens stay.
    def running_hub_task():
        return [t["ID"] for t in manager_api.tasks(filters={"service": NAME}) if t["Status"]["State"] == "running"]

    before = running_hub_task()
    restarted = nodes.docker(manager, "service", "update", "--force", "--detach", NAME)
    assert restarted.returncode == 0, restarted.stderr
    wait_for(lambda: running_hub_task() not in ([], before) and hub.api("GET", "/users/ben", tokens["ben"]).status_code
             == 200, timeout_s=180, what="the restarted hub to answer ben's token")

    # A worker goes down: its servers are reported gone, and their next spawn names the node.
    lost = next(name for name in people if placed[name] != placed["ada"])
    nodes.engine.stop(placed[lost], timeout=5)
    wait_for(lambda: not hub.api("GET", f"/users/{lost}", tokens[lost]).json()["servers"], timeout_s=150,
             what=f"the hub to see {lost}'s server gone with its node")
    wait_for(lambda: manager_api.inspect_node(placed[lost])["Status"]["State"] == "down", timeout_s=60,
             what=f"the swarm to see {placed[lost]} down")
    refused = hub.api("POST", f"/users/{lost}/server", tokens[lost], json={"profile": "cpu"})
    assert refused.status_code >= 400 and f"node {placed[lost]} is down" in refused.text, refused.text

    # A removed user's drive is deleted on the node that holds it, and nothing else there;
    # the node that is down is named.
    def volumes_on_adas_node():
        return {v["Name"] for v in docker.APIClient(base_url=nodes.socket(placed["ada"])).volumes()["Volumes"] or []}

    before = volumes_on_adas_node()
    purged = hub.invoke("user", "--name", "ada", "--remove", "--purge")
    assert purged.returncode == 0, purged.stdout + purged.stderr
    assert f"deleted {placed['ada']}: localab-drive-ada" in purged.stdout, purged.stdout
    assert f"not reached: {placed[lost]} (not ready)" in purged.stdout, purged.stdout
    assert volumes_on_adas_node() == before - {"localab-drive-ada"} and "localab-drive-ada" in before
    assert not [name for name in services(manager_api) if name.endswith("-purge")]

    down = hub.invoke("down", "--swarm")
    assert down.returncode == 0, down.stdout + down.stderr
    assert manager_api.services() == [] and not manager_api.networks(names=[NAME])
    assert {f"{NAME}-data", f"{NAME}-registry-data"} <= {v["Name"] for v in manager_api.volumes()["Volumes"]}


def test_on_the_swarm_an_idle_server_is_culled_and_a_lifetime_ends_a_server_as_on_one_host(hub_nodes):
    """The hub's idle culler and each profile's lifetime work on the swarm as on one host:
    eve's idle server is culled and her drive kept on its node; fay's profile ends her
    server at its lifetime, before the culler could (the hub's log names only eve)."""
    nodes = hub_nodes
    manager = nodes.names[0]
    # the culler's timeout is the default profile's idle; fay's lifetime ends well inside it
    env = hub_env(nodes, tf_profiles(cpu='idle = "90s"', free='lifetime = "20s"\nidle = "0"'))
    manager_api = docker.APIClient(base_url=nodes.socket(manager), timeout=60)

    def hub_log() -> str:
        logs = nodes.docker(manager, "service", "logs", "--tail", "300", NAME)
        return logs.stdout + logs.stderr

    hub = Hub(nodes.shared, env=env, port=nodes.manager_port, describe=hub_log)
    hub.up("cpu", "--swarm")
    tokens = {name: hub.login(name, hub.user(name)) for name in ("eve", "fay")}
    eve = hub.start("eve", tokens["eve"])
    assert eve.run("open('/content/drive/MyDrive/keep.txt', 'w').write('kept')").status == "ok"
    eves_node = node_of(manager_api, "eve")
    hub.start("fay", tokens["fay"], profile="free")

    def gone(name: str) -> bool:
        return not hub.api("GET", f"/users/{name}", tokens[name]).json().get("servers")

    wait_for(lambda: gone("fay"), timeout_s=120, what="fay's server to end at its profile's 20 s lifetime")
    assert "Culling server fay" not in hub_log() and not gone("eve"), "the lifetime ended it, not the culler"
    wait_for(lambda: not manager_api.services(filters={"name": f"{NAME}-fay"}), timeout_s=60,
             what="fay's service to be removed")
    wait_for(lambda: gone("eve"), timeout_s=240, what="the idle culler to stop eve's server")
    assert "Culling server eve" in hub_log()
    wait_for(lambda: not manager_api.services(filters={"name": f"{NAME}-eve"}), timeout_s=60,
             what="eve's service to be removed")
    drives = docker.APIClient(base_url=nodes.socket(eves_node), timeout=60).volumes()["Volumes"] or []
    assert DRIVE_VOLUME.format(username="eve") in {v["Name"] for v in drives}
    again = hub.start("eve", tokens["eve"])
    assert node_of(manager_api, "eve") == eves_node
    assert again.run("print(open('/content/drive/MyDrive/keep.txt').read())").stdout.strip() == "kept"
    down = hub.invoke("down", "--swarm")
    assert down.returncode == 0, down.stdout + down.stderr
