"""`localab hub.*`: JupyterHub + DockerSpawner on the real engine, two users, each with
their own runtime and drive; culling with tiny values keeps the drive (issue: hub)."""

import json
import re

import pytest
import requests

from localab.host import profiles
from tests.utils.hub import NAME, Hub
from tests.utils.runtime import cpu_profile, invoke, wait_for


@pytest.fixture
def cleanup(engine):
    yield
    for container in engine.containers(f"io.localab.hub={NAME}"):
        engine.remove(container["Id"])
    for volume in engine.volumes():
        if volume.startswith(NAME):
            engine._api.remove_volume(volume, force=True)
    for network in engine._api.networks(names=[NAME]):
        engine._api.remove_network(network["Id"])


def test_two_users_get_their_own_runtimes_and_drives(engine, tf_image, tmp_path, cleanup):
    hub = Hub(tmp_path)
    output = hub.up()
    admin_password = re.search(r"admin user 'admin' with password (\S+)", output).group(1)
    assert output.strip().splitlines()[-1] == f"http://127.0.0.1:{hub.port}/hub/"
    assert engine.container(NAME)["HostConfig"]["PortBindings"]["8000/tcp"][0]["HostIp"] == "127.0.0.1"
    hub.login("admin", admin_password)
    assert requests.get(f"{hub.url}/hub/api/users", timeout=10).status_code == 403, "the API needs a token"

    alice, bob = "alice", "bob"
    tokens = {name: hub.login(name, hub.user(name)) for name in (alice, bob)}
    clients = {name: hub.start(name, tokens[name]) for name in (alice, bob)}
    for name, client in clients.items():
        wrote = client.run(f"import os; open('/content/drive/MyDrive/{name}.txt', 'w').write('{name}'); "
                           f"print(os.getuid(), sorted(os.listdir('/content/drive/MyDrive')))")
        assert wrote.status == "ok", wrote
        uid, *files = wrote.stdout.split(maxsplit=1)
        assert uid == "1000" and f"{name}.txt" in files[0]
        other = bob if name == alice else alice
        assert f"{other}.txt" not in files[0], "each user sees only their own drive"

    cpu = profiles.load().get("cpu")
    for name in (alice, bob):
        host = engine.container(f"{NAME}-{name}")["HostConfig"]
        assert host["Memory"] == host["MemorySwap"] == cpu.memory_bytes
        assert host["NanoCpus"] == int(cpu.cpus * 1e9) and host["ShmSize"] == cpu.shm_bytes
        assert host["PidsLimit"] == cpu.pids_limit
        assert host["CapDrop"] == ["ALL"] and host["SecurityOpt"] == ["no-new-privileges"]
        env = dict(e.split("=", 1) for e in engine.container(f"{NAME}-{name}")["Config"]["Env"])
        assert env["LOCALAB_LIFETIME_S"] == str(cpu.lifetime_s) and env["LOCALAB_PROFILE"] == "cpu"

    assert hub.api("DELETE", f"/users/{bob}/server", tokens[bob]).status_code in (202, 204)
    wait_for(lambda: engine.container(f"{NAME}-{bob}") is None, timeout_s=60, what="bob's runtime to go")
    assert clients[alice].run("print('alice still here')").stdout.strip() == "alice still here"
    status = hub.invoke("status")
    assert "alice: default ready (profile cpu)" in status.stdout and "bob: no server" in status.stdout
    assert any(v == f"{NAME}-drive-{bob}" for v in engine.volumes()), "bob's drive outlives his runtime"

    # The drive is also there read-only, for drive.mount(..., readonly=True).
    ro = clients[alice].run("import os; print(os.access('/run/localab/drive-readonly', os.W_OK), "
                            "sorted(os.listdir('/run/localab/drive-readonly')))")
    writable, listing = ro.stdout.split(maxsplit=1)
    assert writable == "False" and "'alice.txt'" in listing, ro.stdout
    hub_env = json.dumps(engine.container(NAME)["Config"]["Env"])
    assert hub.api_token() not in hub_env, "the hub's API token is a file, not environment"

    # A password reset ends alice's earlier logins and tokens; a demotion and a removal too.
    assert hub.api("GET", f"/users/{alice}", tokens[alice]).status_code == 200
    hub.user(alice)
    wait_for(lambda: hub.api("GET", f"/users/{alice}", tokens[alice]).status_code == 403, timeout_s=90,
             what="alice's old token to be refused after her password reset")
    removed = hub.invoke("user", "--name", bob, "--remove")
    assert removed.returncode == 0 and f"removed hub user '{bob}'" in removed.stdout
    wait_for(lambda: hub.api("GET", f"/users/{bob}", tokens[bob]).status_code == 403, timeout_s=90,
             what="bob's token to be refused once he is removed")
    bad = hub.invoke("user", "--name", "nosuch", "--no-admin")
    assert bad.returncode == 2 and "no hub user 'nosuch'" in bad.stderr

    down = hub.invoke("down")
    assert down.returncode == 0 and engine.container(NAME) is None and engine.container(f"{NAME}-{alice}") is None
    assert {f"{NAME}-drive-{alice}", f"{NAME}-drive-{bob}", f"{NAME}-data"} <= set(engine.volumes())


def test_a_removal_or_demotion_while_the_hub_is_down_ends_tokens_before_it_serves_and_a_reused_name_gets_a_new_drive(engine, tf_image, tmp_path, cleanup):
    """Tokens live in the hub's database volume: a removal or a demotion made while the
    hub is down must be in force from its first answer after `hub.up`, not at a refresh."""
    hub = Hub(tmp_path)
    hub.up()
    dave = hub.invoke("user", "--name", "dave", "--admin")
    erin = hub.invoke("user", "--name", "erin", "--admin")
    tokens = {name: hub.login(name, re.search(r"password (\S+)", made.stdout).group(1))
              for name, made in (("dave", dave), ("erin", erin))}
    assert all(hub.api("GET", "/users", token).status_code == 200 for token in tokens.values()), "admins list users"
    dave_first = hub.start("dave", tokens["dave"])
    assert dave_first.run("open('/content/drive/MyDrive/mine.txt', 'w').write('the first dave')").status == "ok"
    assert hub.invoke("down").returncode == 0
    assert hub.invoke("user", "--name", "dave", "--remove").returncode == 0
    assert hub.invoke("user", "--name", "erin", "--no-admin").returncode == 0
    hub.up()
    for name, token in tokens.items():
        assert hub.api("GET", "/users", token).status_code == 403, f"{name}'s old token lists users"
        minted = hub.api("POST", f"/users/{name}/tokens", token, json={"note": "after"})
        assert minted.status_code == 403, f"{name}'s old token mints a token: {minted.status_code} {minted.text[:200]}"
    listed = {user["name"]: user for user in hub.api("GET", "/users", hub.api_token()).json()}
    assert "dave" not in listed, "a removed user is gone from the hub's database"
    assert listed["erin"]["admin"] is False, "a demoted user is no admin in the database"

    # Someone new given the name gets a drive of their own; --purge deletes both.
    newcomer = hub.login("dave", hub.user("dave"))
    listing = hub.start("dave", newcomer).run("import os; print(os.listdir('/content/drive/MyDrive'))")
    assert "mine.txt" not in listing.stdout, "the removed person's drive is not handed to a newcomer"
    drives = {v for v in engine.volumes() if v.startswith(f"{NAME}-drive-dave")}
    assert len(drives) == 2, drives
    purged = hub.invoke("user", "--name", "dave", "--remove", "--purge")
    assert purged.returncode == 0, purged.stdout + purged.stderr
    assert "stopped 'dave''s server" in purged.stdout
    assert not {v for v in engine.volumes() if v.startswith(f"{NAME}-drive-dave")}, "both of dave's drives deleted"
    refused = hub.invoke("user", "--name", "erin", "--purge")
    assert refused.returncode == 2 and "--remove" in refused.stderr


def test_an_idle_server_is_culled_and_its_drive_kept(engine, tf_image, tmp_path, cleanup):
    hub = Hub(tmp_path, env=cpu_profile(tmp_path, idle="20s"))
    hub.up()
    token = hub.login("carol", hub.user("carol"))
    client = hub.start("carol", token)
    assert client.run("open('/content/drive/MyDrive/keep.txt', 'w').write('kept')").status == "ok"
    wait_for(lambda: not hub.api("GET", "/users/carol", token).json().get("servers"), timeout_s=180,
             what="the idle culler to stop carol's server")
    assert f"{NAME}-drive-carol" in engine.volumes()
    again = hub.start("carol", token)
    assert again.run("print(open('/content/drive/MyDrive/keep.txt').read())").stdout.strip() == "kept"


def test_the_hub_spawn_bench_times_spawns_and_keeps_the_result(engine, tf_image, tmp_path, cleanup):
    drive = tmp_path / "drive"
    env = {"LOCALAB_STATE_DIR": str(tmp_path / "state"), "LOCALAB_HUB_NAME": NAME}
    result = invoke("bench", "--workload", "hub-spawn", "--profile", "cpu", "--drive", str(drive), env=env, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    [folder] = sorted((drive / "localab" / "bench").glob("*-hub-spawn"))
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["figures"]["errors"] == []
    for size in (1, 2):
        figure = summary["figures"][f"{size}_users_s"]
        assert figure["n"] == size and 0 < figure["median"] < 300
    assert "spawn -> ready, 2 user(s) at once (one host)" in result.stdout
    assert engine.container(NAME) is None, "the bench stops the hub it started"
