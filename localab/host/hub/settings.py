"""What the hub's jupyterhub_config.py is given (contract.ENV_SETTINGS): each profile's run
spec said the way DockerSpawner takes it, the per-user drive, the admins, the culler."""

from localab.host import profiles, refs
from localab.host.drive import IMAGE_USER
from localab.host.hub.names import CONTAINER, DRIVE_VOLUME, NETWORK
from localab.host.hub.users import active_users
from localab.host.plan import EngineFacts, plan
from localab.host.runspec import RunSpec, run_spec


def settings(profile_file: profiles.Profiles, default: str, info: dict, engine_facts: EngineFacts | None = None) -> dict:
    """What the hub's jupyterhub_config.py needs, made from the profiles: each profile's
    run spec (the same as `localab up`'s), said the way DockerSpawner takes it. On a swarm,
    `engine_facts` are the workers' (swarmhub.facts)."""
    facts = engine_facts or EngineFacts.of(info)
    offered, drive_mounts = {}, []
    for name, profile in profile_file.by_name.items():
        container_plan = plan(profile, facts)
        container = spawned_spec(container_plan)
        options = container.docker_options()
        host_config = {key: options[key] for key in HOST_CONFIG if key in options}
        if "device_requests" in host_config:
            host_config["device_requests"] = [dict(r) for r in host_config["device_requests"]]
        offered[name] = {
            "description": profile.description + ("" if container_plan.uses_gpu or not profile.has_gpu
                                                  else " (no GPU on this host)"),
            "image": container.image,
            "flavour": container_plan.flavour,
            "user": container.user,
            "host_config": host_config,
            "environment": dict(container.environment),
        }
        drive_mounts = [[m.target, m.read_only] for m in container.drive_mounts]
    chosen = profile_file.get(default)
    return {
        "profiles": offered,
        "default_profile": chosen.name,
        "network": NETWORK,
        "hub_host": CONTAINER,
        "drive_volume": DRIVE_VOLUME,
        "drive_mounts": drive_mounts,
        "admins": sorted(n for n, u in active_users().items() if u.get("admin")),
        # No max age: each runtime's entry process ends it at its own profile's lifetime (with
        # the page's warnings and a save); one hub-wide age would cut the longer profiles short.
        "culler": {"timeout_s": chosen.idle_s or 86400, "every_s": max(5, min(60, (chosen.idle_s or 240) // 4)),
                   "max_age_s": 0},
    }


# What a spawned runtime takes from its spec as the engine's host config (DockerSpawner's
# extra_host_config); image, user, environment and the drive are its own settings.
HOST_CONFIG = ("mem_limit", "memswap_limit", "nano_cpus", "shm_size", "pids_limit", "device_requests", "storage_opt",
               "cap_drop", "security_opt", "group_add")


def spawned_spec(container_plan) -> RunSpec:
    """A user's runtime under the hub: the plan's spec, on the pinned image, as the image's
    user, the drive a per-user volume (DockerSpawner names it from DRIVE_VOLUME)."""
    return run_spec(container_plan, user=f"{IMAGE_USER[0]}:{IMAGE_USER[1]}", drive=DRIVE_VOLUME,
                    image=refs.versioned_ref(container_plan.flavour))


def flavours_needed(config: dict) -> set[str]:
    """The flavours behind the offered images."""
    return {spec["flavour"] for spec in config["profiles"].values()}
