"""The swarm a hub spreads its users over: making this host a manager, the command the
other hosts join with, and what each node offers (`localab hub.swarm-init`, `hub.nodes`).
Swarm mode is the `docker.io` engine's own; localab schedules nothing itself."""

from localab.host.engine import Engine
from localab.host.errors import LocalabError, UsageError
from localab.host.units import format_size

MANAGER_PORT = 2377  # swarm's own: managers listen here for joining nodes
# The generic resource a GPU node advertises, one per GPU (dockerd's node-generic-resources,
# e.g. "NVIDIA-GPU=GPU-<uuid>"): the scheduler reserves them, so two runtimes never share one.
GPU_KIND = "NVIDIA-GPU"


def is_manager(engine: Engine) -> bool:
    swarm = engine.swarm()
    return swarm.get("LocalNodeState") == "active" and bool(swarm.get("ControlAvailable"))


def require_manager(engine: Engine, what: str) -> None:
    """Refuse `what` (a verb) on an engine that cannot place services: one line saying why."""
    swarm = engine.swarm()
    state = swarm.get("LocalNodeState") or "inactive"
    if state == "active" and not swarm.get("ControlAvailable"):
        managers = ", ".join(m.get("Addr", "?") for m in swarm.get("RemoteManagers") or []) or "its manager"
        raise UsageError(f"{what}: this engine is a swarm worker; run it on a manager ({managers})")
    if state != "active":
        raise UsageError(f"{what}: this engine is not in a swarm (its state: {state}); run `localab hub.swarm-init` "
                         f"to make this host a manager, or point DOCKER_HOST at a manager's engine")


def join_command(engine: Engine) -> str:
    """What another host runs to join as a worker."""
    address = engine.swarm().get("NodeAddr")
    return f"docker swarm join --token {engine.join_tokens()['Worker']} {address}:{MANAGER_PORT}"


def init(engine: Engine, advertise_addr: str | None = None, say=print) -> str:
    """Make this engine a swarm's manager (or find it one already); the join command."""
    swarm = engine.swarm()
    if is_manager(engine):
        say(f"this engine is already a manager of a swarm of {swarm.get('Nodes', '?')} node(s)")
        return join_command(engine)
    if swarm.get("LocalNodeState") == "active":
        require_manager(engine, "hub.swarm-init")  # a worker: says where its managers are
    try:
        engine.init_swarm(advertise_addr)
    except LocalabError as exc:
        if "multiple addresses" in str(exc):
            raise UsageError("hub.swarm-init: this host has several addresses and the engine will not guess which the "
                             "other hosts reach it at; pass --advertise-addr ADDRESS") from None
        raise
    say(f"this engine is now a swarm manager at {engine.swarm().get('NodeAddr')}:{MANAGER_PORT}")
    return join_command(engine)


def gpus_of(node: dict) -> int:
    """The GPUs a node advertises as generic resources."""
    resources = (node.get("Description") or {}).get("Resources") or {}
    count = 0
    for resource in resources.get("GenericResources") or []:
        discrete, named = resource.get("DiscreteResourceSpec"), resource.get("NamedResourceSpec")
        if discrete and discrete.get("Kind") == GPU_KIND:
            count += int(discrete.get("Value") or 0)
        elif named and named.get("Kind") == GPU_KIND:
            count += 1
    return count


def nodes(engine: Engine) -> list[dict]:
    """Each node of the swarm: name, role, state, address and what it offers."""
    found = []
    for node in engine.nodes():
        description, spec, status = node.get("Description") or {}, node.get("Spec") or {}, node.get("Status") or {}
        resources = description.get("Resources") or {}
        found.append({
            "id": node["ID"][:12],
            "hostname": description.get("Hostname", "?"),
            "role": spec.get("Role", "?"),
            "availability": spec.get("Availability", "?"),
            "state": status.get("State", "?"),
            "address": status.get("Addr", "?"),
            "cpus": (resources.get("NanoCPUs") or 0) / 1e9,
            "memory_bytes": resources.get("MemoryBytes") or 0,
            "gpus": gpus_of(node),
            "labels": dict(spec.get("Labels") or {}),
        })
    return sorted(found, key=lambda n: (n["role"] != "manager", n["hostname"]))


def node_lines(listed: list[dict]) -> list[str]:
    return [f"{n['hostname']} ({n['id']}): {n['role']}, {n['state']}, {n['availability']}, {n['address']}; "
            f"{n['cpus']:g} CPUs, {format_size(n['memory_bytes'])}, {n['gpus']} GPU(s)" for n in listed]
