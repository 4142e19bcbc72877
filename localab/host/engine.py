"""The container engine, behind one small interface.

Everything else in localab talks to an `Engine`; only this module and its swarm half
(swarmmode.py) touch the docker SDK, so unit tests hand in MagicMock(spec=Engine) and
another engine could be added.
Importing this module never connects: `connect()` does, and says what to do when no
engine answers.
"""

import io
import tarfile
from collections.abc import Iterator
from typing import BinaryIO

from localab.host.errors import EngineUnavailable, LocalabError
from localab.host.swarmmode import SwarmMode

NO_ENGINE = (
    "no Docker engine answers at {where} ({why}); run `localab engine` to install and "
    "start one, or start yours and set DOCKER_HOST"
)


def split_ref(ref: str) -> tuple[str, str]:
    """REGISTRY:PORT/REPOSITORY:TAG -> (REGISTRY:PORT/REPOSITORY, TAG); "latest" when untagged."""
    repository, colon, tag = ref.rpartition(":")
    if not colon or "/" in tag:  # no tag, or the colon was the registry's port
        return ref, "latest"
    return repository, tag


class Engine(SwarmMode):
    """A Docker engine reached through the docker SDK; its swarm calls are SwarmMode's."""

    def __init__(self, client):
        self._client = client
        self._api = client.api

    # -- the engine itself
    def version(self) -> dict:
        return self._api.version()

    def info(self) -> dict:
        return self._api.info()

    def is_local(self) -> bool:
        """Reached through a local Unix socket: its containers share this host's CPUs."""
        return self._api.base_url.startswith("http+docker://localhost")

    # -- images
    def image(self, ref: str) -> dict | None:
        import docker.errors

        try:
            return self._api.inspect_image(ref)
        except docker.errors.ImageNotFound:
            return None

    def build(self, context: BinaryIO, *, buildargs: dict, labels: dict) -> Iterator[dict]:
        """Stream the classic builder's JSON messages ({'stream': ...}, {'error': ...}, and
        {'aux': {'ID': ...}} naming the image, which it leaves untagged)."""
        return self._api.build(
            fileobj=context, custom_context=True, encoding="gzip", buildargs=buildargs,
            labels=labels, rm=True, forcerm=True, decode=True, pull=False,
        )

    def import_image(self, data: BinaryIO, ref: str) -> None:
        repository, tag = split_ref(ref)
        self._api.import_image_from_stream(data, repository=repository, tag=tag)

    def pull(self, ref: str) -> bool:
        import docker.errors

        try:
            self._client.images.pull(ref)
            return True
        except docker.errors.APIError:
            return False

    def tag(self, image_id: str, ref: str) -> None:
        repository, tag = split_ref(ref)
        self._api.tag(image_id, repository, tag, force=True)

    def push(self, ref: str) -> str:
        """Push REGISTRY/REPOSITORY:TAG; the digest the registry gave it."""
        import docker.errors

        repository, tag = split_ref(ref)
        digest = None
        try:
            for message in self._api.push(repository, tag=tag, stream=True, decode=True):
                if "error" in message:
                    raise LocalabError(f"the registry did not take {ref}: {message['error']}")
                digest = (message.get("aux") or {}).get("Digest") or digest
        except docker.errors.APIError as exc:
            raise LocalabError(f"the registry did not take {ref}: {exc.explanation or exc}") from None
        if digest is None:
            raise LocalabError(f"pushing {ref} gave no digest; see the engine's log")
        return digest

    def remove_image(self, ref: str) -> None:
        self._api.remove_image(ref)

    def read_file(self, image: str, path: str) -> bytes:
        """A file's bytes from an image, without running it."""
        container = self._api.create_container(image, command=["true"], entrypoint=[])
        try:
            stream, _ = self._api.get_archive(container["Id"], path)
            with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
                member = archive.getmembers()[0]
                return archive.extractfile(member).read()
        finally:
            self._api.remove_container(container["Id"], force=True)

    # -- containers
    def run(self, image: str, **options) -> str:
        """Create and start a detached container; options are the SDK's run() keywords."""
        import docker.errors

        try:
            return self._client.containers.run(image, detach=True, **options).id
        except docker.errors.APIError as exc:
            if exc.status_code == 409:  # another command (under sudo, say) made one of that name just now
                raise LocalabError(f"a container named {options.get('name')} already exists: another localab "
                                   f"command made it at the same time; see `localab status`") from None
            raise

    def container(self, name: str) -> dict | None:
        import docker.errors

        try:
            return self._api.inspect_container(name)
        except docker.errors.NotFound:
            return None

    def containers(self, label: str) -> list[dict]:
        return self._api.containers(all=True, filters={"label": label})

    def stop(self, name: str, timeout: int = 30) -> None:
        self._api.stop(name, timeout=timeout)

    def remove(self, name: str) -> None:
        import docker.errors

        try:
            self._api.remove_container(name, force=True, v=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if exc.status_code != 409 or "already in progress" not in str(exc):  # an auto-removed container
                raise

    def wait(self, name: str, timeout: float) -> int | None:
        """The container's exit code, or None if it is still running after `timeout` seconds."""
        import requests.exceptions

        try:
            return self._api.wait(name, timeout=timeout)["StatusCode"]
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
            return None

    def changes(self, name: str) -> list[tuple[str, str]]:
        """What a container changed in its own layer (bind mounts excluded), running or
        stopped: (path, "added" | "changed" | "deleted")."""
        kinds = {0: "changed", 1: "added", 2: "deleted"}
        return [(entry["Path"], kinds.get(entry["Kind"], "changed")) for entry in self._api.diff(name) or []]

    def container_file(self, name: str, path: str, limit: int) -> tuple[str, bytes | None]:
        """A file from a container, running or stopped: ("file", its bytes), or ("folder" |
        "link" | "other" | "too big", None)."""
        stream, stat = self._api.get_archive(name, path)
        mode = stat.get("mode", 0)
        kind = ("link" if stat.get("linkTarget") else "folder" if mode & (1 << 31) else
                "other" if mode & 0xFFF00000 else "too big" if stat.get("size", 0) > limit else "file")
        if kind != "file":
            stream.close() if hasattr(stream, "close") else None
            return kind, None
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
            member = archive.getmembers()[0]
            return ("file", archive.extractfile(member).read()) if member.isfile() else ("other", None)

    def kill(self, name: str, signal: str = "KILL") -> None:
        self._api.kill(name, signal=signal)

    def logs(self, name: str, *, follow: bool = False, tail: int | str = "all") -> Iterator[bytes]:
        return self._api.logs(name, stream=True, follow=follow, tail=tail)

    def stats(self, name: str, *, one_shot: bool = False) -> dict:
        """The container's counters; one_shot answers at once, without the engine's second
        sample a second later (so without precpu_stats, which a CPU share needs)."""
        return self._api.stats(name, stream=False, one_shot=one_shot or None)

    def exec(self, name: str, command: list[str], *, user: str = "") -> tuple[int, str]:
        exec_id = self._api.exec_create(name, command, user=user)
        output = self._api.exec_start(exec_id).decode(errors="replace")
        return self._api.exec_inspect(exec_id)["ExitCode"], output

    def exec_stream(self, name: str, command: list[str], *, user: str = "", workdir: str | None = None):
        """(output chunks as they come, a function giving the exit code once they are read)."""
        exec_id = self._api.exec_create(name, command, user=user, workdir=workdir, stdout=True, stderr=True)
        return self._api.exec_start(exec_id, stream=True), lambda: self._api.exec_inspect(exec_id)["ExitCode"]

    def ensure_network(self, name: str) -> None:
        if not any(n["Name"] == name for n in self._api.networks(names=[name])):
            self._api.create_network(name, driver="bridge", labels={"io.localab.hub": "network"})

    def volumes(self) -> list[str]:
        return sorted(v["Name"] for v in (self._api.volumes().get("Volumes") or []))

    def remove_volume(self, name: str) -> None:
        import docker.errors

        try:
            self._api.remove_volume(name)
        except docker.errors.APIError as exc:
            raise LocalabError(f"could not remove volume {name}: {exc.explanation or exc}") from None

    def mount_trouble(self, image: str, volume: str, driver_opts: dict) -> str | None:
        """Why this engine cannot mount a volume made with the local driver's `driver_opts`
        (an NFS export, say), or None when it can. The trial volume and container go."""
        import docker.errors
        from docker.types import Mount

        self._api.create_volume(volume, driver="local", driver_opts=driver_opts)
        container = None
        try:
            container = self._api.create_container(
                image, entrypoint=["true"], command=[],
                host_config=self._api.create_host_config(mounts=[Mount("/mnt/trial", volume)]))
            self._api.start(container["Id"])
            self._api.wait(container["Id"], timeout=60)
            return None
        except docker.errors.APIError as exc:
            return exc.explanation or str(exc)
        finally:
            if container:
                self._api.remove_container(container["Id"], force=True)
            self._api.remove_volume(volume, force=True)


def connect(timeout: int = 120) -> Engine:
    """Connect to the engine named by DOCKER_HOST (or the default socket) and ping it."""
    import os

    import docker.errors
    import requests.exceptions

    import docker

    where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        why = str(exc).split("\n")[0][:160]
        raise EngineUnavailable(NO_ENGINE.format(where=where, why=why)) from exc
    return Engine(client)
