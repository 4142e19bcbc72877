"""Values for the Zero to JupyterHub Helm chart (Kubernetes), made from the same
profiles as `localab up` and `localab hub.*`: one profileList entry per profile with its
CPU/memory limits and guarantees, GPU request, shared memory, lifetime, security
context and the per-user drive volume, plus culling from the default profile."""

import copy

import yaml

from localab.host.drive import IMAGE_USER
from localab.host.plan import EngineFacts, plan
from localab.host.profiles import Profiles
from localab.host.refs import version_tag, versioned_ref

DRIVE_CLAIM = "localab-drive-{username}"
DRIVE_SIZE = "15Gi"  # what Google Drive gives a free account
# What the engine gives a runtime under `localab up` (no capabilities, no new privileges,
# Docker's default seccomp filter), said the Kubernetes way.
SECURITY_CONTEXT = {"runAsUser": IMAGE_USER[0], "runAsGroup": IMAGE_USER[1], "runAsNonRoot": True,
                    "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                    "seccompProfile": {"type": "RuntimeDefault"}}


def profile_entry(profile, *, default: bool, repository: str) -> dict:
    container_plan = plan(profile, EngineFacts.assumed_for(profile, scratch_cap=True))
    override = {
        "image": versioned_ref(container_plan.flavour, repository),
        "cpu_limit": profile.cpus, "cpu_guarantee": profile.cpus,
        "mem_limit": profile.memory_bytes, "mem_guarantee": profile.memory_bytes,
        "environment": dict(container_plan.environment),
        "extra_container_config": {"securityContext": copy.deepcopy(SECURITY_CONTEXT)},
        "volumes": [
            {"name": "drive", "persistentVolumeClaim": {"claimName": DRIVE_CLAIM}},
            {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": str(profile.shm_bytes)}},
        ],
        "volume_mounts": [*({"name": "drive", "mountPath": target, **({"readOnly": True} if read_only else {})}
                            for _, target, read_only in container_plan.drive_mounts("drive")),
                          {"name": "shm", "mountPath": "/dev/shm"}],
    }
    if profile.has_gpu:
        override["extra_resource_limits"] = {"nvidia.com/gpu": "1"}
        override["extra_resource_guarantees"] = {"nvidia.com/gpu": "1"}
    return {"display_name": profile.name, "slug": profile.name, "description": profile.description,
            "default": default, "kubespawner_override": override}


def values(profile_file: Profiles, repository: str = "localab") -> dict:
    default = profile_file.get(None)
    return {
        "singleuser": {
            "image": {"name": repository, "tag": version_tag("cpu")},
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
