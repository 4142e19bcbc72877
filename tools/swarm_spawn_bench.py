"""Spawn -> ready on a three-engine swarm against the one-host hub, in one run (issue 30,
docs/hub.md's figures). Makes the swarm the way tests/integration/test_swarm.py does (three
engines on this machine), starts `hub.up --swarm` on its manager with every profile on the
tf image (its output times each worker's first pull of the image), runs `localab bench
--workload hub-spawn` there and then against a hub on this host, and takes it all down.
Builds the tf and hub images here first when they are missing or older than this checkout.

  python tools/swarm_spawn_bench.py [--scale quick]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from localab.host import refs  # noqa: E402
from localab.host.engine import connect  # noqa: E402
from localab.host.image.build import ensure_image  # noqa: E402
from tests.utils.runtime import free_port, invoke, profiles_file  # noqa: E402
from tests.utils.swarm import Swarm  # noqa: E402

TF_PROFILES = "".join(f'[profiles.{name}]\nflavour = "tf"\ngpu = ""\ngpu_memory = "0"\n\n'
                      for name in ("p100", "free", "high-ram", "cpu", "local"))


def say(line: str) -> None:
    print(line, flush=True)


def checked(result: subprocess.CompletedProcess, what: str) -> str:
    if result.returncode != 0:
        raise SystemExit(f"{what} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="quick", choices=("smoke", "quick", "full"))
    args = parser.parse_args()
    engine = connect()
    for flavour in ("tf", "hub"):  # this checkout's, rebuilt if older (the manager's would rebuild them)
        ensure_image(engine, flavour, say=say)
    # in a folder of root's own (the bench refuses a drive under /tmp); the results go in the
    # folder the manager sees at the same path, since the bench's plots run on its engine
    folder = Path(tempfile.mkdtemp(prefix="localab-swarm-spawn-", dir=Path.home()))
    nodes = Swarm(engine, folder, manager_port=free_port())
    try:
        started = time.monotonic()
        nodes.start()
        env = {"LOCALAB_STATE_DIR": str(nodes.shared / "state"), **profiles_file(nodes.shared, TF_PROFILES)}
        manager, *workers = nodes.names
        on_manager = {**env, "DOCKER_HOST": nodes.socket(manager)}
        join = next(line.strip() for line in checked(invoke("hub.swarm-init", env=on_manager), "swarm-init").splitlines()
                    if line.strip().startswith("docker swarm join"))
        for worker in workers:
            checked(nodes.docker(worker, *join.split()[1:]), f"{worker} joining")
        say(f"three engines, joined, in {time.monotonic() - started:.0f} s")
        nodes.load(manager, refs.image_ref("tf"), refs.versioned_ref("tf"), refs.image_ref("hub"),
                   refs.versioned_ref("hub"))
        started = time.monotonic()
        up = checked(invoke("hub.up", "--swarm", "--port", str(nodes.manager_port), "--profile", "cpu",
                            env=on_manager, timeout=1800), "hub.up --swarm")
        say(f"hub.up --swarm in {time.monotonic() - started:.0f} s (push, each worker's first pull, the hub):")
        say("\n".join(line for line in up.splitlines() if line.startswith("    ")))
        swarm_bench = checked(invoke("bench", "--workload", "hub-spawn", "--scale", args.scale, "--profile", "cpu",
                                     "--drive", str(nodes.shared / "results"), env=on_manager, timeout=3600), "swarm bench")
        say(swarm_bench)
        checked(invoke("hub.down", "--swarm", env=on_manager, timeout=300), "hub.down --swarm")
    finally:
        nodes.remove()
    one_host = {"LOCALAB_STATE_DIR": str(folder / "one-host-state"), "LOCALAB_HUB_NAME": "localab-hub-spawnbench",
                **profiles_file(folder, TF_PROFILES)}
    say(checked(invoke("bench", "--workload", "hub-spawn", "--scale", args.scale, "--profile", "cpu",
                       "--drive", str(folder / "one-host"), env=one_host, timeout=3600), "one-host bench"))
    say(f"results under {folder}")


if __name__ == "__main__":
    main()
