"""`localab hub.user --remove --purge` on a swarm: a removed user's drives are volumes on
whichever nodes ran their servers, so each node's engine deletes them itself, through a
one-shot global service of the hub's image that every node can pull (the hub's own, pinned
by digest). With drives on an NFS export, the nodes' volumes go and the folders in the
export stay, said: the export is the operator's."""

from localab.host.engine import Engine
from localab.host.errors import LocalabError
from localab.host.hub import oneshot, registry
from localab.host.hub.names import CONTAINER, DRIVE_VOLUME, drive_pattern
from localab.hubserver import contract as hub

SOCKET = "/var/run/docker.sock"
# Run by the hub image's Python on each node, against that node's engine: delete the
# volumes whose whole name matches, print each. A volume still in use (the server the
# removal just stopped, its container not yet gone) is tried again for 30 s.
SCRIPT = """\
import re, sys, time, docker
engine = docker.from_env()
for volume in engine.volumes.list():
    if re.fullmatch(sys.argv[1], volume.name):
        for attempt in range(60):
            try:
                volume.remove()
                break
            except docker.errors.APIError as exc:
                if exc.status_code != 409 or attempt == 59:
                    raise
                time.sleep(0.5)
        print("deleted", volume.name)
"""


def purge(engine: Engine, name: str, timeout_s: float = 300, say=print) -> list[str]:
    """Delete `name`'s drive volumes on every node; 'NODE: VOLUME' for each deleted."""
    from localab.host.hub import swarmhub

    service = engine.service(CONTAINER)
    nfs = swarmhub.swarm_config(engine).get("drive_nfs")
    if nfs:
        say(f"the drive folders of '{name}' in the NFS export {nfs['server']}:{nfs['export']} are kept "
            f"({DRIVE_VOLUME.format(username=name)}, and .N for later people of that name): delete them there")
    image = (service["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"] if service
             else registry.push(engine, ["hub"], None, say=lambda line: None)["hub"])
    listed = engine.nodes()
    hosts = {node["ID"]: node["Description"]["Hostname"] for node in listed if node["Status"].get("State") == "ready"}
    away = sorted(node["Description"]["Hostname"] for node in listed if node["ID"] not in hosts)
    if away:
        say(f"not reached: {', '.join(away)} (not ready), where drives of '{name}' may still be; run the same "
            f"command again once they are back")
    container = {"Image": image, "Command": ["python3", "-c", SCRIPT], "Args": [drive_pattern(name)],
                 "Mounts": [{"Type": "bind", "Source": SOCKET, "Target": SOCKET}]}
    with oneshot.global_job(engine, f"{CONTAINER}-purge", container, labels={hub.LABEL: CONTAINER}) as job:
        done = oneshot.wait(engine, job, set(hosts), timeout_s)
        deleted = [f"{hosts.get(node, node[:12])}: {line.split(' ', 1)[1]}"
                   for node, line in engine.service_log_lines(job) if line.startswith("deleted ")]
    failed = [f"{hosts.get(node, node[:12])} ({why})" for node, why in done.items() if why]
    if failed:
        raise LocalabError(f"purge: the drives of '{name}' could not be deleted on {', '.join(failed)}; "
                           + (f"deleted: {', '.join(deleted)}; " if deleted else "")
                           + "run the same command again once those nodes are back")
    return deleted

