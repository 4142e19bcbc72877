"""The engine's swarm mode: its place in a swarm, and a manager's nodes, services, tasks
and overlay networks. Half of `Engine` (engine.py), which is the only other module that
touches the docker SDK; the hub's swarm room (host/hub) is what calls it."""

import time

from localab.host.errors import LocalabError


class SwarmMode:
    """What `Engine` does in swarm mode, through the SDK's low-level client `self._api`."""

    _api: object

    def swarm(self) -> dict:
        """This engine's place in a swarm: info()'s Swarm (LocalNodeState, ControlAvailable,
        NodeAddr, RemoteManagers, ...)."""
        return self.info().get("Swarm") or {}

    def init_swarm(self, advertise_addr: str | None) -> None:
        import docker.errors

        try:
            self._api.init_swarm(advertise_addr=advertise_addr)
        except docker.errors.APIError as exc:
            raise LocalabError(f"the engine did not make a swarm: {exc.explanation or exc}") from None

    def join_tokens(self) -> dict:
        """{'Worker': ..., 'Manager': ...}: only a manager has them."""
        return self._api.inspect_swarm()["JoinTokens"]

    def nodes(self) -> list[dict]:
        return self._api.nodes()

    def service(self, name: str) -> dict | None:
        import docker.errors

        try:
            return self._api.inspect_service(name)
        except docker.errors.APIError as exc:
            if exc.status_code in (404, 503):  # no such service; not a swarm manager
                return None
            raise

    def services(self, label: str) -> list[dict]:
        return self._api.services(filters={"label": label})

    def create_service(self, name: str, task_template: dict, *, labels: dict, endpoint_spec: dict | None = None,
                       mode: dict | None = None) -> str:
        return self._api.create_service(task_template, name=name, labels=labels, endpoint_spec=endpoint_spec,
                                        mode=mode)["ID"]

    def tasks(self, service: str) -> list[dict]:
        return self._api.tasks(filters={"service": service})

    def service_log_lines(self, name: str) -> list[tuple[str, str]]:
        """(node id, line) for each line a service's tasks wrote to stdout."""
        lines = []
        raw = self._api.service_logs(name, stdout=True, stderr=False, details=True, timestamps=False)
        for text in (raw if isinstance(raw, bytes) else b"".join(raw)).decode(errors="replace").splitlines():
            details, _, line = text.partition(" ")
            node = dict(p.split("=", 1) for p in details.split(",") if "=" in p).get("com.docker.swarm.node.id", "")
            lines.append((node, line))
        return lines

    def networks(self, label: str) -> list[dict]:
        return self._api.networks(filters={"label": label})

    def create_overlay(self, name: str, labels: dict) -> None:
        """An overlay network the swarm's services share (attachable: a test or a person can join it)."""
        self._api.create_network(name, driver="overlay", attachable=True, labels=labels)

    def remove_network(self, name: str, wait_s: float = 30) -> None:
        """Removed, waiting for the endpoints of services just removed to go (bounded)."""
        import docker.errors

        deadline = time.monotonic() + wait_s
        while True:
            try:
                self._api.remove_network(name)
                return
            except docker.errors.NotFound:
                return
            except docker.errors.APIError as exc:
                if time.monotonic() > deadline:
                    raise LocalabError(f"the network {name} was not removed: {exc.explanation or exc}") from None
                time.sleep(0.5)

    def remove_service(self, name: str) -> None:
        import docker.errors

        try:
            self._api.remove_service(name)
        except docker.errors.NotFound:
            pass
