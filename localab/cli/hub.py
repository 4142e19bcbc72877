"""The hub's verbs (`localab hub.up`, ...): JupyterHub handing each user a runtime."""

from pathlib import Path

from invoke import Collection

from localab.cli.verb import JSON, PROFILES_FILE, connect_engine, print_json, use_profiles, verb
from localab.host.errors import LocalabError, UsageError


@verb(name="up", help={
    "port": "hub port on 127.0.0.1 (default 8000, or the next free one); with --swarm, on every address of the manager",
    "profile": "the spawn form's default profile, whose idle timeout the culler uses",
    "profiles": PROFILES_FILE,
    "swarm": "run the hub as a service on this swarm manager, each user's runtime a service on a worker",
    "registry": "with --swarm: your registry, HOST:PORT, that every node trusts (default: one localab runs)",
    "drive_nfs": "with --swarm: drives as folders of this NFS export, SERVER:/EXPORT, so servers can go to any "
                 "worker (default: each drive stays on the node of the user's first server)",
    "gpu_label": "with --swarm: GPU profiles go to nodes with this node label, KEY=VALUE (default: nodes that "
                 "advertise NVIDIA-GPU generic resources)",
})
def hub_up(c, port=None, profile=None, profiles=None, swarm=False, registry=None, drive_nfs=None, gpu_label=None):
    """Start JupyterHub + DockerSpawner on 127.0.0.1: each user gets their own runtime."""
    use_profiles(profiles)
    from localab.host.hub import control

    print(control.up(connect_engine(), port=port, profile=profile, swarm=swarm, registry=registry,
                     drive_nfs=drive_nfs, gpu_label=gpu_label))


@verb(name="status", help={"json_": JSON})
def hub_status(c, json_=False):
    """The hub's URL, its users and their servers."""
    from localab.host.hub import control

    if json_:
        print_json(control.status_data(connect_engine()))
    else:
        print("\n".join(control.status(connect_engine())))


@verb(name="down", help={"swarm": "remove the hub's services, its users' runtimes, the registry and its network "
                                   "from this swarm"})
def hub_down(c, swarm=False):
    """Stop the hub and every runtime it started; drives and the hub's data are kept."""
    from localab.host.hub import control

    engine = connect_engine()
    if swarm:
        from localab.host.hub import swarm as swarm_mode
        from localab.host.hub import swarmhub

        swarm_mode.require_manager(engine, "hub.down --swarm")
        swarmhub.down(engine)
    else:
        control.down(engine)


@verb(name="user", help={
    "name": "the user name (a new password is printed once; a reset ends their old logins)",
    "admin": "make the user an admin",
    "no_admin": "take admin away (ends their logins and tokens)",
    "remove": "remove the user (ends their server, logins and tokens; their drive volume is kept, and never "
              "handed to someone later given the name)",
    "purge": "with --remove: delete the removed user's drive volumes too",
})
def hub_user(c, name, admin=False, no_admin=False, remove=False, purge=False):
    """Add a hub user or reset their password; --no-admin, --remove [--purge]."""
    from localab.host.hub import control, users

    if admin and no_admin:
        raise UsageError("admin: --admin and --no-admin contradict each other; give one")
    if purge and not remove:
        raise UsageError("purge: --purge deletes a removed user's drive; give it with --remove")
    if remove:
        removed = users.remove_user(name)
        print(f"removed hub user '{name}'" if removed else f"no hub user '{name}'")
        try:
            engine = connect_engine()
        except LocalabError:  # no engine, no hub running: its next start deletes them
            if purge:
                raise
            return
        if removed and control.delete_user(engine, name):
            print(f"the hub stopped '{name}''s server and ended their tokens")
        if purge:
            deleted = control.purge_drives(engine, name)
            print(f"deleted {', '.join(deleted)}" if deleted else f"no drive volume of '{name}'")
        return
    if no_admin:
        users.set_admin(name, False)
        print(f"hub user '{name}' is no longer an admin; their logins and tokens are ended")
    else:
        existed = name in users.active_users()
        password = users.add_user(name, admin=True if admin else None)
        print(f"hub user '{name}'{' (admin)' if admin else ''}: password {password}  (shown once)")
        if not existed:
            return
    try:
        ended = control.revoke(connect_engine(), name)
    except LocalabError:  # no engine: no hub running, its next start ends what was issued before
        return
    if ended:
        print(f"ended {ended} API token(s) of '{name}'")


@verb(name="helm-values", help={
    "output": "write the values here instead of printing them",
    "repository": "the registry repository holding the runtime images (default localab)",
    "profiles": PROFILES_FILE,
    "check": "validate this values file (yours, edited) against the chart's own schema instead",
})
def hub_helm_values(c, output=None, repository="localab", profiles=None, check=None):
    """Values for the Zero to JupyterHub Helm chart, from the same profiles, checked against its schema."""
    from localab.host.hub import helm

    if check:
        print(helm.check_file(Path(check)))
        return
    use_profiles(profiles)
    from localab.host import profiles as profile_file

    text = helm.render(profile_file.load(), repository)
    if output:
        Path(output).write_text(text)
        print(f"wrote {output}")
    else:
        print(text, end="")


@verb(name="swarm-init", help={
    "advertise_addr": "the address the other hosts reach this one at (needed when it has several)",
})
def hub_swarm_init(c, advertise_addr=None):
    """Make this host's engine a swarm manager and print the command the other hosts join with."""
    from localab.host.hub import swarm

    engine = connect_engine()
    command = swarm.init(engine, advertise_addr)
    print(f"on each other host, as root:\n  {command}\nthen `localab hub.nodes` lists them")


@verb(name="nodes", help={"json_": JSON})
def hub_nodes(c, json_=False):
    """The swarm's nodes: role, state, address, and the CPUs, memory and GPUs each offers."""
    from localab.host.hub import swarm

    engine = connect_engine()
    swarm.require_manager(engine, "hub.nodes")
    listed = swarm.nodes(engine)
    if json_:
        print_json(listed)
    else:
        print("\n".join(swarm.node_lines(listed)))


@verb(name="push", iterable=["flavour"], help={
    "registry": "your registry, HOST:PORT, that every node trusts (default: one localab runs on this manager)",
    "flavour": "an image to push (repeatable; default: the hub's and every image the profiles need)",
    "profiles": PROFILES_FILE,
})
def hub_push(c, registry=None, flavour=None, profiles=None):
    """Put the hub's images in a registry every swarm node pulls from, pinned by digest."""
    use_profiles(profiles)
    from localab.host import profiles as profile_file
    from localab.host.hub import registry as images
    from localab.host.hub.settings import flavours_needed, settings

    engine = connect_engine()
    wanted = flavour or ["hub", *sorted(flavours_needed(settings(profile_file.load(), None, engine.info())))]
    images.push(engine, wanted, registry)


hub = Collection("hub", hub_up, hub_status, hub_down, hub_user, hub_helm_values, hub_swarm_init, hub_nodes, hub_push)
