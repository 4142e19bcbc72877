"""Values for the Zero to JupyterHub Helm chart (Kubernetes), made from the same
profiles as `localab up` and `localab hub.*`: one profileList entry per profile with its
CPU/memory limits and guarantees, GPU request, shared memory, lifetime, security
context and the per-user drive volume, plus culling from the default profile."""

import yaml

from localab.host.drive import IMAGE_USER
from localab.host.plan import EngineFacts, plan
from localab.host.profiles import Profiles
from localab.host.refs import version_tag, versioned_ref
from localab.host.runspec import RunSpec, run_spec

DRIVE_CLAIM = "localab-drive-{username}"
DRIVE_SIZE = "15Gi"  # what Google Drive gives a free account


def profile_entry(profile, *, default: bool, repository: str) -> dict:
    container_plan = plan(profile, EngineFacts.assumed_for(profile, scratch_cap=True))
    container = run_spec(container_plan, user=f"{IMAGE_USER[0]}:{IMAGE_USER[1]}", drive="drive",
                         image=versioned_ref(container_plan.flavour, repository))
    cpus = container.caps.nano_cpus / 1e9
    override = {
        "image": container.image,
        "cpu_limit": cpus, "cpu_guarantee": cpus,
        "mem_limit": container.caps.memory_bytes, "mem_guarantee": container.caps.memory_bytes,
        "environment": dict(container.environment),
        "extra_container_config": {"securityContext": security_context(container)},
        "volumes": [
            {"name": "drive", "persistentVolumeClaim": {"claimName": DRIVE_CLAIM}},
            {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": str(container.caps.shm_bytes)}},
        ],
        "volume_mounts": [*({"name": m.source, "mountPath": m.target, **({"readOnly": True} if m.read_only else {})}
                            for m in container.drive_mounts),
                          {"name": "shm", "mountPath": "/dev/shm"}],
    }
    if container.caps.gpus:
        override["extra_resource_limits"] = {"nvidia.com/gpu": str(container.caps.gpus)}
        override["extra_resource_guarantees"] = {"nvidia.com/gpu": str(container.caps.gpus)}
    return {"display_name": profile.name, "slug": profile.name, "description": profile.description,
            "default": default, "kubespawner_override": override}


def security_context(container: RunSpec) -> dict:
    """The spec's user and security options, said the Kubernetes way (Docker's default
    seccomp filter is the runtime's default profile there)."""
    uid, gid = (int(part) for part in container.user.split(":"))
    context = {"runAsUser": uid, "runAsGroup": gid, "runAsNonRoot": uid != 0,
               "allowPrivilegeEscalation": "no-new-privileges" not in container.security.get("security_opt", []),
               "seccompProfile": {"type": "RuntimeDefault"}}
    if container.security.get("cap_drop"):
        context["capabilities"] = {"drop": list(container.security["cap_drop"])}
    return context


def values(profile_file: Profiles, repository: str = "localab") -> dict:
    default = profile_file.get(None)
    return {
        "singleuser": {
            "image": {"name": repository, "tag": version_tag(default.flavour)},
            "cmd": None,  # the image's own entry process runs jupyterhub-singleuser under a hub
            "defaultUrl": "/lab",
            "uid": IMAGE_USER[0], "fsGid": IMAGE_USER[1],
            "storage": {"type": "none"},  # the drive is each profile's volume below
            # A host-relative profile (`local`) sizes itself by one machine: a cluster has none.
            "profileList": [profile_entry(p, default=p.name == default.name, repository=repository)
                            for p in profile_file.by_name.values() if not p.host_relative],
        },
        "hub": {"config": {"KubeSpawner": {
            "storage_pvc_ensure": True, "pvc_name_template": DRIVE_CLAIM, "storage_capacity": DRIVE_SIZE,
            "storage_access_modes": ["ReadWriteOnce"]}}},
        # No maxAge: each runtime's entry process ends it at its own profile's lifetime, after
        # warning the page and saving open notebooks; a hub-wide age would cut long profiles short.
        "cull": {"enabled": True, "timeout": default.idle_s or 86400, "every": 60, "maxAge": 0},
    }


def render(profile_file: Profiles, repository: str = "localab") -> str:
    header = ("# Zero to JupyterHub values from localab's profiles.toml (`localab hub.helm-values`).\n"
              "# helm upgrade --install localab jupyterhub/jupyterhub -f this-file.yaml\n"
              "# Push localab:<version>-cpu and localab:<version>-gpu to a registry the cluster can pull from and set the repository.\n")
    return header + yaml.safe_dump(values(profile_file, repository), sort_keys=False, width=120)
