"""Values for the Zero to JupyterHub Helm chart (Kubernetes), made from the same
profiles as `localab up` and `localab hub.*`: one profileList entry per profile with its
CPU/memory limits and guarantees, GPU request, shared memory, lifetime, security
context and the per-user drive volume, plus culling from the default profile. `problems`
checks values (ours or a user's edit) against the chart's own schema, vendored in z2jh/."""

from pathlib import Path

import yaml

from localab.host.drive import IMAGE_USER
from localab.host.errors import LocalabError, UsageError
from localab.host.plan import EngineFacts, plan
from localab.host.profiles import Profiles
from localab.host.refs import version_tag, versioned_ref
from localab.host.runspec import RunSpec, run_spec

DRIVE_CLAIM = "localab-drive-{username}"
DRIVE_SIZE = "15Gi"  # what Google Drive gives a free account
CHART_VERSION = "4.4.0"  # of Zero to JupyterHub, whose schema and defaults are in z2jh/
CHART = Path(__file__).resolve().parent / "z2jh"


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
    made = values(profile_file, repository)
    images = sorted({entry["kubespawner_override"]["image"] for entry in made["singleuser"]["profileList"]})
    header = ("# Zero to JupyterHub values from localab's profiles.toml (`localab hub.helm-values`), valid for\n"
              f"# chart {CHART_VERSION}: helm upgrade --install localab jupyterhub/jupyterhub --version {CHART_VERSION} -f this-file.yaml\n"
              f"# Push {', '.join(images)} to a registry the cluster can pull from and set the repository.\n")
    refused = problems(made)
    if refused:  # a profile the chart cannot take: say which value, rather than hand over a file Helm refuses
        raise LocalabError(f"Zero to JupyterHub {CHART_VERSION} would refuse these values:\n  " + "\n  ".join(refused)
                           + "\nChange the profile that makes them, or report it if the profiles are localab's own.")
    return header + yaml.safe_dump(made, sort_keys=False, width=120)


def coalesce(defaults: dict, values: dict) -> dict:
    """The chart's defaults under the user's values, as Helm merges them before it validates:
    maps merge key by key, anything else replaces, and null removes the default."""
    merged = dict(defaults)
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = coalesce(merged[key], value)
        else:
            merged[key] = value
    return merged


def problems(values: dict) -> list[str]:
    """What the chart's schema refuses in `values`, one line each with where it is; none: valid."""
    import jsonschema

    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text())
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    found = jsonschema.Draft7Validator(schema).iter_errors(coalesce(defaults, values))
    return [f"{'.'.join(str(part) for part in error.absolute_path) or '(top level)'}: {error.message}"
            for error in sorted(found, key=lambda error: [str(part) for part in error.absolute_path])]


def check_file(path: Path) -> str:
    """`hub.helm-values --check FILE`: a sentence when the chart would take it; otherwise an
    error listing each refused value."""
    try:
        found = yaml.safe_load(path.read_text())
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}; give the values file Helm would get (-f FILE)") from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        raise UsageError(f"{path} is not YAML{at}: {getattr(error, 'problem', None) or error}") from None
    if not isinstance(found, dict):
        raise UsageError(f"{path} holds a {type(found).__name__}, not a map of values: Helm values are a YAML mapping")
    refused = problems(found)
    if refused:
        raise LocalabError(f"{path}: Zero to JupyterHub {CHART_VERSION} would refuse {len(refused)} value(s):\n  "
                           + "\n  ".join(refused))
    return f"{path}: valid for Zero to JupyterHub {CHART_VERSION} (its values schema, over the chart's defaults)"
