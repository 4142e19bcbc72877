"""Drives on an NFS export (hub.up --swarm --drive-nfs): the option's parsing, the user's
folder the hub makes in the export, and the service the spawner asks the swarm for. No NFS
runs here (this kernel has no nfs filesystem): the swarm test's bad-input case mounts for
real and sees that refused; docs/hub.md says what was and was not run."""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from unittest.mock import Mock

import pytest

from localab.hubserver import nfsdrives


def test_an_export_is_server_colon_absolute_path():
    assert nfsdrives.parse("nfs.lab:/srv/drives/") == {"server": "nfs.lab", "export": "/srv/drives"}
    assert nfsdrives.parse("10.0.0.5:/") == {"server": "10.0.0.5", "export": "/"}
    for bad in ("nfs.lab", "nfs.lab:srv", ":/srv", "nfs.lab/x:/srv", "nfs.lab:/my drives"):
        with pytest.raises(ValueError, match="is not SERVER:/EXPORT"):
            nfsdrives.parse(bad)


def test_a_users_volume_mounts_their_folder_of_the_export():
    nfs = nfsdrives.parse("10.0.0.5:/srv/drives")
    options = nfsdrives.volume_options(nfs, "localab-drive-ada", {"io.localab.hub": "localab-hub"})
    assert options == {"Labels": {"io.localab.hub": "localab-hub"}, "DriverConfig": {"Name": "local", "Options": {
        "type": "nfs", "o": "addr=10.0.0.5,rw,nfsvers=4", "device": ":/srv/drives/localab-drive-ada"}}}
    assert nfsdrives.driver_options(nfs)["device"] == ":/srv/drives"


def test_the_folder_is_made_for_the_runtimes_user_and_one_already_there_is_left_alone(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("giving a folder to another user needs root, as the hub has in its container")
    assert nfsdrives.make_folder("localab-drive-ada", 1000, 100, root=str(tmp_path))
    made = (tmp_path / "localab-drive-ada").stat()
    assert (made.st_uid, made.st_gid, made.st_mode & 0o777) == (1000, 100, 0o700)
    theirs = tmp_path / "localab-drive-ben"
    theirs.mkdir()
    assert not nfsdrives.make_folder("localab-drive-ben", 1000, 100, root=str(tmp_path))
    assert theirs.stat().st_uid == 0, "never chowned what localab did not make"


def test_a_link_planted_in_the_export_is_neither_followed_nor_given_away(tmp_path):
    export, elsewhere = tmp_path / "export", tmp_path / "etc"
    export.mkdir()
    elsewhere.mkdir()
    (export / "localab-drive-eve").symlink_to(elsewhere)
    with pytest.raises(ValueError, match="is not a folder"):
        nfsdrives.make_folder("localab-drive-eve", 1000, 100, root=str(export))
    assert elsewhere.stat().st_uid == os.geteuid()
    for bad in ("..", ".", "", "a/b"):
        with pytest.raises(ValueError, match="cannot name a drive folder"):
            nfsdrives.make_folder(bad, 1000, 100, root=str(export))


def test_with_an_export_a_server_goes_to_any_worker_with_its_drive_on_nfs(tmp_path, monkeypatch):
    """The service the spawner asks the swarm for: the drive's mounts carry the export's
    options, placement is any worker, and the user's folder is made first."""
    from localab.hubserver.swarmspawner import LocalabSwarmSpawner

    monkeypatch.setattr(nfsdrives, "MOUNT", str(tmp_path))
    monkeypatch.setattr(os, "chown", lambda *a, **k: None)  # the folder's owner is the test above's
    created = {}

    async def docker(method, *args, **kwargs):
        if method == "create_service":
            created.update(kwargs)
            return {"ID": "service"}
        if method == "tasks":
            return [{"ID": "task"}]
        raise AssertionError(f"the spawner asked the engine for {method}")

    async def spawn():
        spawner = LocalabSwarmSpawner(user=SimpleNamespace(name="ada", id=1, url="/user/ada/"), hub=Mock(),
                                      orm_spawner=SimpleNamespace(name="", server=None, state=None),
                                      drive_nfs=nfsdrives.parse("10.0.0.5:/srv/drives"),
                                      drive_template="localab-drive-{username}", labels={"io.localab.hub": "h"})
        spawner.template = {"ContainerSpec": {"Image": "x", "User": "1000:100", "Mounts": [
            {"Type": "volume", "Source": "localab-drive-{username}", "Target": "/content/drive"},
            {"Type": "volume", "Source": "localab-drive-{username}", "Target": "/content/ro", "ReadOnly": True}]}}
        spawner.drive = "localab-drive-ada"
        spawner.docker = docker
        spawner.get_env = lambda: {"JUPYTERHUB_SERVICE_PREFIX": "/user/ada/"}

        async def command():
            return []

        spawner.get_command = command
        await spawner.create_object()

    with ThreadPoolExecutor(max_workers=1) as pool:  # the browser tests keep a loop in the main thread
        pool.submit(asyncio.run, spawn()).result()
    template = created["task_template"]
    assert template["Placement"] == {"Constraints": ["node.role==worker"]}
    mounts = template["ContainerSpec"]["Mounts"]
    assert [m["Source"] for m in mounts] == ["localab-drive-ada"] * 2
    assert all(m["VolumeOptions"]["DriverConfig"]["Options"]["device"] == ":/srv/drives/localab-drive-ada"
               for m in mounts)
    assert (tmp_path / "localab-drive-ada").is_dir()
