"""A user's runtime as a swarm service (`localab hub.up --swarm`): dockerspawner's
SwarmSpawner, given the service the host made from the profile (localab.host.hub.servicespec:
the same caps as `localab up`, and what the swarm cannot enforce named), placed on a worker.
A user's drive is a volume on the node where their first server ran; their later servers
go back there, and when that node is down the spawn fails at once, naming it, instead of
starting elsewhere with an empty drive. With `--drive-nfs`, drives are folders of an NFS
export that any worker mounts (localab.hubserver.nfsdrives), and servers go anywhere."""

import asyncio
import copy

import docker.errors
from dockerspawner import SwarmSpawner
from tornado import web
from traitlets import Dict, Unicode

from localab.hubserver import contract, nfsdrives

# Swarm's routing mesh (a service's virtual IP) needs the kernel's IPVS, which some hosts
# lack; DNS round-robin names the task's own address and works on every swarm.
ENDPOINT = {"Mode": "dnsrr"}
SECOND = 1_000_000_000  # the engine's durations are nanoseconds
ENDED = ("rejected", "failed", "shutdown", "complete", "orphaned", "remove")  # a task's states past running


class LocalabSwarmSpawner(SwarmSpawner):
    template = Dict(help="the profile's service TaskTemplate, its drive's source still DRIVE_VOLUME")
    drive_template = Unicode(config=True, help="the drive volume's name before it is made the user's")
    drive = Unicode(help="the user's drive volume")
    drive_node = Unicode(help="the node that holds the drive: kept across servers in the spawner's state")
    labels = Dict(config=True, help="on every service this hub makes")
    drive_nfs = Dict(config=True, help="the NFS export drives are folders of ({server, export}), or empty")

    def load_state(self, state):
        super().load_state(state)
        self.drive_node = state.get("drive_node", "")

    def get_state(self):
        state = super().get_state()
        if self.drive_node:
            state["drive_node"] = self.drive_node
        return state

    def clear_state(self):
        node = self.drive_node  # the server is gone, its drive is not
        super().clear_state()
        self.drive_node = node

    async def node_trouble(self, node_id: str) -> str | None:
        """Why a node cannot run a server now (named for a person), or None."""
        try:
            node = await self.docker("inspect_node", node_id)
        except docker.errors.NotFound:
            return f"node {node_id[:12]} has left the swarm"
        name = node["Description"]["Hostname"]
        state, availability = node["Status"]["State"], node["Spec"]["Availability"]
        if state != "ready" or availability != "active":
            return f"node {name} is {state if state != 'ready' else availability}"
        return None

    def drive_trouble(self, trouble: str) -> str:
        return (f"{self.user.name}'s drive is on a node that cannot run it now: {trouble}. Ask the hub's admin to "
                f"bring it back; a server elsewhere would start with an empty drive")

    async def create_object(self):
        template = copy.deepcopy(self.template)
        container = template["ContainerSpec"]
        container["Image"] = self.image
        env = self.get_env()
        container["Env"] = [f"{key}={value}" for key, value in env.items()]
        # The image's health check asks Jupyter at /api; under the hub it serves under the
        # user's prefix. A task is "running", and named in swarm's DNS, only once healthy.
        health_url = f"http://127.0.0.1:{self.port}{env['JUPYTERHUB_SERVICE_PREFIX']}api"
        container["HealthCheck"] = {"Test": ["CMD", "curl", "-fsS", "-m", "4", "-o", "/dev/null", health_url],
                                    "Interval": SECOND, "Timeout": 5 * SECOND, "Retries": 3,
                                    "StartPeriod": 120 * SECOND}
        container["Args"] = await self.get_command()
        container["Labels"] = {**container.get("Labels", {}), **self.labels}
        for mount in container["Mounts"]:
            if mount.get("Source") == self.drive_template:
                mount["Source"] = self.drive
                if self.drive_nfs:
                    mount["VolumeOptions"] = nfsdrives.volume_options(self.drive_nfs, self.drive, self.labels)
        if self.drive_nfs:
            uid, _, gid = container["User"].partition(":")
            if await asyncio.to_thread(nfsdrives.make_folder, self.drive, int(uid), int(gid or uid)):
                self.log.info("made %s's drive folder %s on the NFS export", self.user.name, self.drive)
            placement = ["node.role==worker"]
        elif self.drive_node:
            trouble = await self.node_trouble(self.drive_node)
            if trouble:
                raise web.HTTPError(503, self.drive_trouble(trouble))
            placement = [f"node.id=={self.drive_node}"]
        else:
            placement = ["node.role==worker"]
        # the profile's own (a GPU node label) and the drive's
        template["Placement"] = {"Constraints": template.get("Placement", {}).get("Constraints", []) + placement}
        template["Networks"] = [{"Target": self.network_name}]
        service = await self.docker("create_service", task_template=template, name=self.service_name,
                                    labels=self.labels, endpoint_spec=ENDPOINT)
        for _ in range(60):  # the orchestrator makes the task within a second or two
            if await self.docker("tasks", filters={"service": self.service_name}):
                break
            await asyncio.sleep(0.5)
        return service

    async def start_object(self):
        """Until the task runs. A task that was rejected or failed ends the spawn at once with
        its error (SwarmSpawner waits on a rejected task until the hub's start timeout)."""
        delay = 0.5
        while True:
            task = await self.get_task()
            if task is None:
                raise web.HTTPError(500, f"the service {self.service_name} has no task")
            status = task["Status"]
            if status["State"] == "running":
                return
            if status["State"] in ("new", "pending") and self.drive_node:
                # swarm keeps a task for a node that is gone pending; say which node instead
                trouble = await self.node_trouble(self.drive_node)
                if trouble:
                    raise web.HTTPError(503, self.drive_trouble(trouble))
            if status["State"] in ENDED:
                where = await self.node_name(task.get("NodeID"))
                raise web.HTTPError(500, f"{self.user.name}'s runtime did not start{where} ({status['State']}: "
                                         f"{status.get('Err') or status.get('Message')})")
            # every second at most: a backoff to 5 s put up to 5 s of waiting on each spawn (the
            # swarm's spawns came in steps of 6.9, 10.9 and 16.1 s); a task's state is one request
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 1)

    async def node_name(self, node_id: str | None) -> str:
        if not node_id:
            return ""
        try:
            return f" on node {(await self.docker('inspect_node', node_id))['Description']['Hostname']}"
        except docker.errors.APIError:
            return f" on node {node_id[:12]}"

    async def start(self):
        started = await super().start()
        if not self.drive_node and not self.drive_nfs:
            task = await self.get_task()
            self.drive_node = task["NodeID"]
            self.log.info("%s's drive %s is on node %s", self.user.name, self.drive, self.drive_node[:12])
        return started

    async def get_ip_and_port(self):
        """The task's own address on the hub's network, which needs no DNS. By name (what
        SwarmSpawner gives), the hub was seen here waiting 120 s in vain for a server whose
        task ran, its resolver answering "no data" all along."""
        task = await self.get_task()
        for attachment in (task or {}).get("NetworksAttachments") or []:
            if attachment["Network"]["Spec"]["Name"] == self.network_name and attachment.get("Addresses"):
                return attachment["Addresses"][0].split("/")[0], self.port
        raise web.HTTPError(500, f"the service {self.service_name} has no address on the network {self.network_name}")

    async def poll(self):
        status = await super().poll()
        if status is not None:
            await self.remove_ended()
            return status
        task = await self.get_task()
        trouble = await self.node_trouble(task["NodeID"]) if task and task.get("NodeID") else None
        return trouble  # a server on a node that is down is gone

    async def remove_ended(self):
        """A runtime that ended by itself (its profile's lifetime, an exit) leaves no service:
        JupyterHub stops only a server that still runs, so the service and its stopped
        container would stay on the node, holding the drive, until that user's next spawn.
        One host's engine removes such a container itself (AutoRemove)."""
        task = await self.get_task()
        if self.remove and task and task["Status"]["State"] in ENDED:
            try:
                await self.remove_object()
            except docker.errors.NotFound:
                pass


def spawner_settings(c, settings: dict) -> None:
    """The config a swarm hub's spawner takes (jupyterhub_config.py, when settings say swarm)."""
    c.JupyterHub.spawner_class = LocalabSwarmSpawner
    c.SwarmSpawner.network_name = settings["network"]
    c.SwarmSpawner.use_internal_ip = True
    c.LocalabSwarmSpawner.drive_template = settings["drive_volume"]
    c.LocalabSwarmSpawner.labels = {contract.LABEL: settings["hub_host"]}
    c.LocalabSwarmSpawner.drive_nfs = settings["swarm"].get("drive_nfs") or {}
    # a task pulls its image in "preparing" on a worker that joined after hub.up pulled them
    # all (prepull): the colab image's 13 GB take minutes. A task that fails ends it at once.
    c.LocalabSwarmSpawner.start_timeout = 900
