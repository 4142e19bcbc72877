"""`localab hub.up --swarm`: the hub as a swarm service on this manager, handing each user a
runtime that is a swarm service on a worker (localab.hubserver.swarmspawner). Its images
come from a registry every node pulls from, pinned by digest (registry.push); the hub and
the runtimes share an overlay network with DNS round-robin endpoints and the hub's port is
published in host mode on the manager, so nothing needs the routing mesh (IPVS)."""

import json
import time

from localab.host import profiles, refs
from localab.host.engine import Engine
from localab.host.errors import LocalabError, UsageError
from localab.host.http import answers
from localab.host.hub import prepull, registry, servicespec, swarm
from localab.host.hub.names import CONTAINER, DATA_VOLUME, NETWORK, hub_dir, keys_dir, users_file
from localab.host.hub.settings import flavours_needed, settings, spawned_spec
from localab.host.hub.users import first_run_files
from localab.host.image import build as images
from localab.host.plan import EngineFacts, plan
from localab.hubserver import contract as hub
from localab.hubserver import nfsdrives

SOCKET = "/var/run/docker.sock"  # the manager's engine, where the hub creates its users' services
SECOND = 1_000_000_000  # the engine's durations are nanoseconds
# The image's health check goes through the hub's proxy, which reaches the hub by its service
# name; swarm's DNS names only healthy tasks, so that check could never pass: this one asks
# the hub's own port (JupyterHub's hub_port).
HEALTH = {"Test": ["CMD", "curl", "-fsS", "-m", "4", "-o", "/dev/null", "http://127.0.0.1:8081/hub/health"],
          "Interval": 2 * SECOND, "Timeout": 5 * SECOND, "Retries": 3, "StartPeriod": 120 * SECOND}
DRIVES_VOLUME = f"{CONTAINER}-drives"  # with --drive-nfs: the whole export, in the hub service


def facts(engine: Engine, gpu_label: str | None = None) -> EngineFacts:
    """What the swarm's workers offer a runtime: the manager's engine facts, with a GPU when
    a node advertises one (the scheduler then places GPU profiles only there), or when
    `gpu_label` (KEY=VALUE) is given and a node carries it; none that does is refused."""
    info = EngineFacts.of(engine.info())
    listed = swarm.nodes(engine)
    if gpu_label:
        key, sep, value = gpu_label.partition("=")
        if not sep or not key or not value or any(c.isspace() for c in gpu_label):
            raise UsageError(f"gpu-label: '{gpu_label}' is not KEY=VALUE (e.g. gpu=p100)")
        if not any(node["labels"].get(key) == value for node in listed):
            raise UsageError(f"gpu-label: no node of this swarm has the label {gpu_label}; add it to each GPU node "
                             f"with `docker node update --label-add {gpu_label} NODE` (`localab hub.nodes` lists them)")
        has_gpu = True
    else:
        has_gpu = any(node["gpus"] for node in listed)
    return EngineFacts(cpus=info.cpus, gpu_runtime=has_gpu, scratch_cap=False, memory_bytes=info.memory_bytes)


def swarm_settings(engine: Engine, profile_file: profiles.Profiles, default: str | None, pinned: dict,
                   engine_facts: EngineFacts | None = None, gpu_label: str | None = None) -> dict:
    """The one-host settings, with each profile's image pinned by digest and its runtime said
    as a service: the TaskTemplate and what the swarm cannot enforce."""
    engine_facts = engine_facts or facts(engine, gpu_label)
    config = settings(profile_file, default, engine.info(), engine_facts=engine_facts)
    api_version = engine.version()["ApiVersion"]
    services = {}
    for name, profile in profile_file.by_name.items():
        spec = spawned_spec(plan(profile, engine_facts))
        template, unenforced = servicespec.task_template(spec, api_version, gpu_label)
        template["ContainerSpec"]["Image"] = pinned[config["profiles"][name]["flavour"]]
        config["profiles"][name]["image"] = template["ContainerSpec"]["Image"]
        # the image's CMD, which DockerSpawner would read off the hub's own engine, where
        # the pinned image need not be
        image = engine.image(refs.versioned_ref(config["profiles"][name]["flavour"]))
        config["profiles"][name]["cmd"] = (image or {}).get("Config", {}).get("Cmd") or []
        services[name] = {"template": template, "unenforced": unenforced}
    config["swarm"] = {"services": services}
    return config


def running_port(engine: Engine) -> int | None:
    service = engine.service(CONTAINER)
    if service is None:
        return None
    return int(service["Spec"]["Labels"][f"{hub.LABEL}.port"])


def swarm_config(engine: Engine) -> dict:
    """The running hub service's swarm settings: each profile's service and what it leaves
    unenforced, the drives' NFS export; {} when no hub service runs."""
    service = engine.service(CONTAINER)
    if service is None:
        return {}
    env = dict(item.split("=", 1) for item in service["Spec"]["TaskTemplate"]["ContainerSpec"].get("Env") or [])
    return json.loads(env.get(hub.ENV_SETTINGS, "{}")).get("swarm") or {}


def check_drive_export(engine: Engine, nfs: dict, say=print) -> None:
    """The drives' NFS export mounts on this manager, or one line saying why not."""
    image = images.ensure_image(engine, "hub", say=say)
    where = f"{nfs['server']}:{nfs['export']}"
    trouble = engine.mount_trouble(image["Id"], DRIVES_VOLUME + "-trial", nfsdrives.driver_options(nfs))
    if trouble:
        raise LocalabError(f"--drive-nfs: {where} cannot be mounted on this manager ({trouble.strip()}); check that "
                           f"{nfs['server']} exports {nfs['export']} to every node of the swarm and that each node "
                           f"can mount NFS (Debian: nfs-common); nothing was started")
    say(f"drives are folders of {where}: mounted on this manager")


def up(engine: Engine, *, port: int | None, profile_file: profiles.Profiles, profile: str | None,
       registry_address: str | None, drive_nfs: dict | None = None, gpu_label: str | None = None,
       say=print) -> tuple[str, int]:
    """Start the hub service (after pushing its images and pulling them on every worker);
    (the first admin's password or "", port)."""
    swarm.require_manager(engine, "hub.up --swarm")
    engine_facts = facts(engine, gpu_label)  # the nodes and the engine asked once
    if drive_nfs:
        check_drive_export(engine, drive_nfs, say=say)
    port = port or hub.PORT
    password = first_run_files() or ""
    wanted = settings(profile_file, profile, engine.info(), engine_facts=engine_facts)
    pinned = registry.push(engine, ["hub", *sorted(flavours_needed(wanted))], registry_address, say=say)
    prepull.pull_on_workers(engine, {f: ref for f, ref in pinned.items() if f != "hub"}, CONTAINER, say=say)
    config = swarm_settings(engine, profile_file, profile, pinned, engine_facts, gpu_label)
    labels = {hub.LABEL: CONTAINER}
    if drive_nfs:
        config["swarm"]["drive_nfs"] = drive_nfs
    made_network = not engine.networks(f"{hub.LABEL}={CONTAINER}")
    if made_network:
        engine.create_overlay(NETWORK, labels=labels)
    here = engine.swarm()["NodeID"]
    extra = hub_dir() / "extra_config.py"
    mounts = [{"Type": "bind", "Source": SOCKET, "Target": SOCKET},
              {"Type": "volume", "Source": DATA_VOLUME, "Target": hub.DATA},
              {"Type": "bind", "Source": str(users_file().parent), "Target": hub.USERS_DIR, "ReadOnly": True},
              {"Type": "bind", "Source": str(keys_dir()), "Target": hub.KEYS_DIR, "ReadOnly": True}]
    if drive_nfs:  # the whole export: the hub makes each user's folder in it
        mounts.append({"Type": "volume", "Source": DRIVES_VOLUME, "Target": nfsdrives.MOUNT,
                       "VolumeOptions": nfsdrives.volume_options(drive_nfs, "", labels)})
    if extra.is_file():
        mounts.append({"Type": "bind", "Source": str(extra), "Target": hub.EXTRA_CONFIG, "ReadOnly": True})
    template = {
        "ContainerSpec": {"Image": pinned["hub"], "Env": [f"{hub.ENV_SETTINGS}={json.dumps(config)}"],
                          "Mounts": mounts, "Labels": labels, "HealthCheck": HEALTH},
        "Placement": {"Constraints": [f"node.id=={here}"]},  # its database volume lives here
        "Networks": [{"Target": NETWORK}],
        "RestartPolicy": {"Condition": "any"},
    }
    endpoint = {"Mode": "dnsrr", "Ports": [{"Protocol": "tcp", "TargetPort": hub.PORT, "PublishedPort": port,
                                            "PublishMode": "host"}]}
    engine.create_service(CONTAINER, template, labels={**labels, f"{hub.LABEL}.port": str(port)},
                          endpoint_spec=endpoint)
    try:
        wait_running(engine, port)
    except LocalabError:
        engine.remove_service(CONTAINER)
        if made_network:
            engine.remove_network(NETWORK)
        raise
    return password, port


def wait_running(engine: Engine, port: int, timeout_s: float = 240) -> None:
    """Until the hub answers on the manager's port; a task that fails ends it at once."""
    deadline = time.monotonic() + timeout_s
    while not answers(f"http://127.0.0.1:{port}/hub/health"):
        state, error = registry.task_state(engine, CONTAINER)
        if state in ("failed", "rejected") or time.monotonic() > deadline:
            why = f"{state}: {error}" if error else f"no answer on port {port} within {timeout_s:.0f} s; is it free?"
            raise LocalabError(f"the hub's service did not start ({why}); nothing of it is left running. See "
                               f"`docker service ps --no-trunc {CONTAINER}` and `docker service logs {CONTAINER}`")
        time.sleep(0.5)


def down(engine: Engine, say=print) -> None:
    """Every service and network this hub made on the swarm: the hub, its users' runtimes and
    the registry; volumes (drives, the hub's data, the registry's images) stay."""
    made = engine.services(f"{hub.LABEL}={CONTAINER}") + engine.services(f"{hub.LABEL}={registry.SERVICE}")
    for service in made:
        engine.remove_service(service["ID"])
    for network in engine.networks(f"{hub.LABEL}={CONTAINER}"):
        engine.remove_network(network["Id"])
    # this node lists the network until the removed tasks' containers here have stopped
    deadline = time.monotonic() + 60
    while engine.networks(f"{hub.LABEL}={CONTAINER}") and time.monotonic() < deadline:
        time.sleep(0.5)
    names = ", ".join(sorted(s["Spec"]["Name"] for s in made)) or "no service"
    say(f"removed {names} from the swarm; drives, the hub's data and the registry's images are kept")
