"""A user's runtime as a swarm service: the run spec `localab up` gives a container, said
in a service's terms (the engine API's TaskTemplate), with everything a service cannot
enforce on the swarm's engine version named, never silently dropped."""

from localab.host.hub.swarm import GPU_KIND
from localab.host.runspec import RunSpec

SHM = "/dev/shm"


def api_at_least(version: str, wanted: tuple[int, int]) -> bool:
    major, _, minor = version.partition(".")
    return (int(major), int(minor or 0)) >= wanted


def task_template(spec: RunSpec, api_version: str, gpu_label: str | None = None) -> tuple[dict, list[str]]:
    """(the service's TaskTemplate without its networks, what the service cannot enforce).
    A GPU runtime reserves the GPUs the nodes advertise, or with `gpu_label` (KEY=VALUE)
    goes to a node labelled so, where the scheduler does not count GPUs."""
    caps, unenforced = spec.caps, []
    mounts = [{"Type": "volume", "Source": m.source, "Target": m.target, "ReadOnly": m.read_only}
              for m in spec.mounts]
    mounts.append({"Type": "tmpfs", "Target": SHM, "TmpfsOptions": {"SizeBytes": caps.shm_bytes}})
    container = {
        "Image": spec.image,
        "User": spec.user,
        "Groups": list(spec.groups),
        "Env": [f"{key}={value}" for key, value in spec.environment.items()],
        "Labels": dict(spec.labels),
        "Mounts": mounts,
    }
    limits = {"NanoCPUs": caps.nano_cpus, "MemoryBytes": caps.memory_bytes}
    if api_at_least(api_version, (1, 41)):  # Docker 20.10: a service's pids limit and dropped capabilities
        limits["Pids"] = caps.pids_limit
        if spec.security.get("cap_drop"):
            container["CapabilityDrop"] = list(spec.security["cap_drop"])
    else:
        unenforced.append(f"pids limit {caps.pids_limit} (the swarm's engine API {api_version} has none for services)")
        if spec.security.get("cap_drop"):
            unenforced.append(f"dropped capabilities (the swarm's engine API {api_version} has none for services)")
    if "no-new-privileges" in spec.security.get("security_opt", ()):
        if api_at_least(api_version, (1, 46)):
            container["Privileges"] = {"NoNewPrivileges": True}
        else:
            unenforced.append(f"no-new-privileges (services have it from engine API 1.46; this swarm's is "
                              f"{api_version}): a setuid program in the image could still gain privileges")
    unenforced.append("swap: a service cannot cap memory and swap together, so a node with swap lets the runtime "
                      "swap up to its memory cap again")
    if caps.scratch_bytes:
        unenforced.append("scratch size: a service cannot cap its container's writable layer")
    template = {"ContainerSpec": container, "Resources": {"Limits": limits}, "RestartPolicy": {"Condition": "none"}}
    if caps.gpus and gpu_label:
        key, _, value = gpu_label.partition("=")
        template["Placement"] = {"Constraints": [f"node.labels.{key}=={value}"]}
        unenforced.append(f"one GPU per runtime: nodes labelled {gpu_label} are chosen by label, and the swarm does "
                          f"not count their GPUs, so two runtimes can share one")
    elif caps.gpus:
        template["Resources"]["Reservations"] = {
            "GenericResources": [{"DiscreteResourceSpec": {"Kind": GPU_KIND, "Value": caps.gpus}}]}
    return template, unenforced
