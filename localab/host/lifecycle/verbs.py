"""A runtime's verbs: up, down, reset, logs. Every input is checked once, before the
lock and before anything exists; the container's options come from the one plan."""

import ipaddress
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from localab.guest import contract
from localab.host import drive as drives
from localab.host import driveview, drivetree, ports, profiles, runspec, secretstore
from localab.host.engine import Engine
from localab.host.errors import LocalabError, UsageError
from localab.host.http import request_json, wait_answering
from localab.host.image import build as images
from localab.host.image import lock
from localab.host.lifecycle import rescue
from localab.host.lifecycle.state import (
    LABEL,
    container_name,
    find,
    label,
    published_port,
    read_token,
    runtime_lock,
    token_file,
    validate_name,
)
from localab.host.lifecycle.status import Status, state_of, status
from localab.host.paths import write_private
from localab.host.plan import ContainerPlan, EngineFacts, plan
from localab.host.refs import family, gpu_flavour

READY_TIMEOUT_S = 120


@dataclass(frozen=True)
class UpRequest:
    name: str = "default"
    profile: str | None = None
    gpu: bool = False
    port: str | None = None
    drive: str | None = None
    recreate: bool = False
    listen: str = ports.LOOPBACK
    keymap: str | None = None
    new_token: bool = False  # rotate the runtime's token (it is otherwise kept, for saved IDE connections)
    colab_frontend: bool = False  # Colab's own web UI may connect ("Connect to a local runtime")
    base: str | None = None  # the base image for a build, when one is needed (default: found or made)
    discard_scratch: bool = False  # replacing a runtime: do not copy what was left in /content to the drive
    flavour: str | None = None  # colab or tf (default: the profile's)
    sudo: bool = False  # the notebook user may sudo (default: the profile's)
    force: bool = False  # build the image even where the disk looks too small


@dataclass(frozen=True)
class ValidRequest:
    """A request after validation: everything `up` needs that the engine does not decide."""

    name: str
    profile: profiles.Profile
    drive: object  # pathlib.Path
    port: int | None  # None: the default, or the next free one
    listen: str  # the host address the port is published on
    flavour: str  # colab or tf, checked against the flavours table


def validate(request: UpRequest) -> ValidRequest:
    validate_name(request.name)
    if request.keymap is not None:
        profiles.validate_keymap(request.keymap)
    profile = profiles.load().get(request.profile)
    drive = drives.validate_drive(request.drive, request.name)
    port = ports.validate(request.port) if request.port is not None else None
    listen = ports.validate_listen(request.listen)
    if request.colab_frontend and not ipaddress.ip_address(listen).is_loopback:
        raise UsageError(f"colab-frontend: refused with --listen {listen}: the runtime would accept Colab's page "
                         f"(and its cookies) while reachable from the network; Colab connects to a local runtime on "
                         f"127.0.0.1, so leave --listen out")
    flavour = lock.runtime_flavour(request.flavour or profile.flavour,
                                   "flavour" if request.flavour else f"profiles.{profile.name}.flavour")
    return ValidRequest(request.name, profile, drive, port, listen, flavour)


def run_spec(spec: ValidRequest, container_plan: ContainerPlan, drive_source: Path | None = None) -> runspec.RunSpec:
    """The runtime container: the plan's spec with its token file, secrets and labels.
    `drive_source`: what is bound at the drive instead of its path (driveview.mount)."""
    return runspec.run_spec(
        container_plan, user=drives.container_user(), drive=str(drive_source or spec.drive),
        mounts=(runspec.Mount(str(token_file(spec.name)), str(contract.TOKEN_MOUNT), True), *(runspec.Mount(*m) for m in secretstore.mounts())),
        environment={contract.ENV_TOKEN_FILE: str(contract.TOKEN_MOUNT)},
        labels={
            LABEL: spec.name,
            f"{LABEL}.profile": container_plan.profile.name,
            f"{LABEL}.drive": str(spec.drive),
            f"{LABEL}.lifetime-s": str(container_plan.caps.lifetime_s),
            f"{LABEL}.gpu": "1" if container_plan.uses_gpu else "0",
            f"{LABEL}.keymap": container_plan.keymap,
            f"{LABEL}.colab-frontend": container_plan.environment.get(contract.ENV_COLAB_FRONTEND, "0"),
            f"{LABEL}.flavour": container_plan.flavour,
            f"{LABEL}.sudo": "1" if container_plan.sudo else "0",
            f"{LABEL}.owner": drives.container_user(),
        })


def run_options(spec: ValidRequest, container_plan: ContainerPlan, port: int,
                drive_source: Path | None = None) -> dict:
    """The docker SDK's run() keywords for a runtime container, image included."""
    container = run_spec(spec, container_plan, drive_source)
    return {"image": container.image, "name": container_name(spec.name), "hostname": "localab",
            "ports": {f"{container.port}/tcp": (spec.listen, port)}, **container.docker_options()}


def wait_ready(engine: Engine, cname: str, port: int, token: str, *, listen: str = ports.LOOPBACK,
               timeout_s: float = READY_TIMEOUT_S) -> float:
    """Poll Jupyter Server's API, where the port is published, until it answers with the
    token; returns seconds waited."""
    host = ports.url_host(ports.reachable(listen))
    waited = wait_answering(engine, cname, f"http://{host}:{port}/api/status",
                            headers={"Authorization": f"token {token}"}, timeout_s=timeout_s, interval_s=0.1,
                            what="the runtime", clean=lambda tail: redact(tail, token))
    if waited is None:
        raise LocalabError(f"Jupyter Server did not answer within {timeout_s:.0f} s; see `localab logs`")
    return waited


def _reuse(existing: dict, request: UpRequest, spec: ValidRequest) -> None:
    """A running runtime is reused only when it is what the request asks for."""
    running = label(existing, "profile")
    wanted = spec.profile.name if request.profile else running
    if wanted != running:
        raise UsageError(f"profile: runtime '{request.name}' is up with profile {running}; to switch to {wanted}, "
                         f"add --recreate (scratch is wiped, the drive is kept)")
    if request.gpu and label(existing, "gpu") != "1":
        raise UsageError(f"gpu: runtime '{request.name}' is up without a GPU; add --recreate to restart it on the GPU image")
    if request.flavour and gpu_flavour(request.flavour) != label(existing, "flavour") != request.flavour:
        raise UsageError(f"flavour: runtime '{request.name}' is up on the {label(existing, 'flavour')} image; add "
                         f"--recreate to restart it on {request.flavour} (scratch is wiped, the drive is kept)")
    if request.sudo and label(existing, "sudo") != "1":
        raise UsageError(f"sudo: runtime '{request.name}' is up unprivileged; add --recreate to restart it with sudo")
    if request.colab_frontend and label(existing, "colab-frontend") != "1":
        raise UsageError(f"colab-frontend: runtime '{request.name}' is up without it; add --recreate to restart it "
                         f"so that Colab's page may connect")


def up(engine: Engine, request: UpRequest, *, say=print) -> Status:
    spec = validate(request)
    with runtime_lock(say):
        return _up(engine, request, spec, say)


def _up(engine: Engine, request: UpRequest, spec: ValidRequest, say) -> Status:
    """`up` with the runtimes' lock held."""
    cname = container_name(spec.name)
    existing = find(engine, spec.name)
    if existing and existing["State"].get("Running") and not request.recreate:
        _reuse(existing, request, spec)
        say(f"runtime '{spec.name}' is already up; reusing it")
        return status(engine, spec.name, measure=False)
    if spec.listen != ports.LOOPBACK:
        say(f"warning: publishing on {spec.listen}: anyone who can reach this host there and has the token "
            f"can use the runtime")
    container_plan = plan(spec.profile, EngineFacts.of(engine.info()), require_gpu=request.gpu,
                          keymap=request.keymap, colab_frontend=request.colab_frontend, flavour=spec.flavour,
                          sudo=request.sudo)
    held = published_port(existing) if existing else None  # the port of the container being replaced is free

    def is_free(port: int, address: str) -> bool:
        return (held is not None and port == held[1]) or ports.is_free(port, address)

    wanted_port = spec.port
    if wanted_port is None and held and is_free(held[1], spec.listen):
        wanted_port = held[1]  # back on the port it had before an outside stop
    port = ports.choose(wanted_port, address=spec.listen, say=say, is_free=is_free)
    images.ensure_image(engine, container_plan.flavour, say=say, base=request.base, force=request.force)
    if existing:
        previous, _ = state_of(existing)
        say(f"replacing runtime '{spec.name}' ({previous}); its scratch is wiped, the drive is kept")
        stop_and_remove(engine, existing, label(existing, "drive"), discard_scratch=request.discard_scratch, say=say)
    for note in container_plan.notes:
        say(f"note: {note}")
    drives.prepare_drive(spec.drive)
    token = None if request.new_token else read_token(spec.name)
    if not token:  # one token per runtime, kept across up, down and reset: saved IDE connections keep working
        token = secrets.token_hex(24)
        say("a new token for this runtime" if request.new_token else "made this runtime's token (kept from now on)")
    write_private(token_file(spec.name), token + "\n", owner=drives.owner() if os.getuid() == 0 else None)
    bound = driveview.mount(spec.drive, spec.name, drives.owner(), sudo=container_plan.sudo)
    try:
        engine.run(**run_options(spec, container_plan, port, bound))
    except BaseException:
        driveview.unmount(spec.name)
        raise
    say(f"starting runtime '{spec.name}': profile {spec.profile.name}, drive {spec.drive}")
    waited = wait_ready(engine, cname, port, token, listen=spec.listen)
    say(f"Jupyter answered after {waited:.1f} s")
    return status(engine, spec.name, measure=False)


STOP_GRACE_S = 45  # the entry process's own shutdown, then the engine's SIGKILL


def let_the_page_save(engine: Engine, container: dict, token: str | None, say=print) -> None:
    """Before a stop: tell an open page to save its notebooks, and give it the time to
    when a page is connected to a kernel."""
    code, _ = engine.exec(container["Name"].lstrip("/"), ["touch", str(contract.STOP_FLAG)])
    published = published_port(container)
    if code != 0 or not published or not token:
        return
    host = ports.url_host(ports.reachable(published[0]))
    try:
        status_code, kernels = request_json(f"http://{host}:{published[1]}/api/kernels", timeout_s=5,
                                            headers={"Authorization": f"token {token}"})
    except OSError:
        return
    if status_code == 200 and any(kernel.get("connections") for kernel in kernels or []):
        say(f"letting the open page save its notebooks ({contract.PAGE_SAVE_WAIT_S} s)")
        time.sleep(contract.PAGE_SAVE_WAIT_S)


def stop_and_remove(engine: Engine, container: dict, drive: str | None, *, discard_scratch: bool, say) -> None:
    """Save what the page has open, stop with grace, copy what was left in /content into
    the drive (unless discarded), then remove the container."""
    cname = container["Name"].lstrip("/")
    if container["State"].get("Running"):
        let_the_page_save(engine, container, read_token(container["Config"]["Labels"][LABEL]), say)
        engine.stop(cname, timeout=STOP_GRACE_S)
    if discard_scratch:
        say("--discard-scratch: what was left in /content is not kept")
    elif drive:
        try:
            result = rescue.rescue(engine, cname, Path(drive), say=say)
        except LocalabError as exc:  # never lose it silently: the stopped container keeps /content
            raise LocalabError(f"could not copy what was left in /content into the drive ({exc}); the runtime is "
                               f"stopped and kept, so nothing is lost: fix that, then run the command again, or add "
                               f"--discard-scratch") from None
        if result.left:
            shown = ", ".join(path for path in result.left[:5]) + (" ..." if len(result.left) > 5 else "")
            say(f"not copied (binary, over {rescue.MAX_FILE_BYTES >> 20} MB, or too many): {shown}")
    engine.remove(cname)
    driveview.unmount(container["Config"]["Labels"][LABEL])


def down(engine: Engine, name: str = "default", *, discard_scratch: bool = False, say=print) -> bool:
    with runtime_lock(say):
        container = find(engine, name)
        if container is None:
            driveview.unmount(name)  # a container removed by hand leaves its drive's mounts
            say(f"runtime '{name}' is not up; nothing to do")
            return False
        stop_and_remove(engine, container, label(container, "drive"), discard_scratch=discard_scratch, say=say)
        say(f"runtime '{name}' is down; the drive is kept at {label(container, 'drive')}, and the token for its "
            f"next `localab up`")
        return True


def reset(engine: Engine, name: str, *, new_token: bool = False, discard_scratch: bool = False,
          clean_installs: bool = False, say=print) -> Status:
    """Colab's "disconnect and delete runtime": a fresh container with the same options;
    scratch (/content) is wiped, the drive is kept (and what `pip install` put in it,
    unless `clean_installs`)."""
    validate_name(name)
    with runtime_lock(say):  # read and replaced under one lock: nothing changes it in between
        container = find(engine, name)
        if container is None:
            raise UsageError(f"name: no runtime '{name}' to reset; start one with `localab up`")
        published = published_port(container)
        if label(container, "owner") and not os.environ.get(drives.ENV_OWNER):
            os.environ[drives.ENV_OWNER] = label(container, "owner")  # the same user as before, whoever resets
        request = UpRequest(
            name=name, profile=label(container, "profile"), gpu=label(container, "gpu") == "1",
            port=str(published[1]) if published else None, drive=label(container, "drive"),
            keymap=label(container, "keymap"),
            listen=published[0] if published else ports.LOOPBACK, recreate=True, new_token=new_token,
            colab_frontend=label(container, "colab-frontend") == "1", discard_scratch=discard_scratch,
            flavour=family(label(container, "flavour")), sudo=label(container, "sudo") == "1",
        )
        spec = validate(request)
        if clean_installs:
            installs = spec.drive / contract.USER_PACKAGES
            left = drivetree.remove_tree(installs)  # never through a link planted in the drive
            if left:
                shown = ", ".join(left[:3]) + (f" and {len(left) - 3} more" if len(left) > 3 else "")
                raise LocalabError(
                    f"clean-installs: {len(left)} of what `pip install` put in {installs} could not be removed "
                    f"({shown}: a sudo runtime's root-owned files, say); the runtime is left as it was. Remove "
                    f"them as their owner (e.g. sudo rm -r {installs}), then reset again")
            say(f"removed what `pip install` had put in {installs}")
        say(f"deleting runtime '{name}' and its scratch; the drive is kept")
        return _up(engine, request, spec, say)


def logs(engine: Engine, name: str = "default", *, follow: bool = False, write=None) -> None:
    cname = container_name(name)
    if find(engine, name) is None:
        raise UsageError(f"name: no runtime '{name}'; start one with `localab up`")
    token = read_token(name)
    write = write or (lambda text: print(text, end="", flush=True))
    for chunk in engine.logs(cname, follow=follow):
        write(redact(chunk.decode(errors="replace"), token))


def redact(text: str, token: str | None) -> str:
    return text.replace(token, "<token>") if token else text
