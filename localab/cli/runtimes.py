"""The verbs of a runtime (up, status, logs, down, reset, profiles) and of the secrets its
notebooks read (secret, secrets)."""

import os
import sys

from invoke import Exit

from localab.cli.verb import JSON, PROFILES_FILE, RUNTIME_NAME, connect_engine, print_json, use_profiles, verb
from localab.host.errors import UsageError


@verb(help={
    "profile": "resource profile (see `localab profiles`; default: the profiles' default)",
    "gpu": "require a GPU: the flavour's -gpu image and one GPU (needs the NVIDIA container runtime)",
    "port": "host port (default 8888, or the port this runtime had, or the next free one)",
    "drive": "host folder mounted at /content/drive/MyDrive (default: ./drive in a checkout, else ~/localab/drive)",
    "name": RUNTIME_NAME,
    "recreate": "replace a running runtime (scratch is wiped, the drive is kept)",
    "listen": "host address to publish on (default 127.0.0.1; anything else is reachable from the network)",
    "keymap": "jupyterlab (default) or colab: Colab's shortcuts (Ctrl+M then B, A, D, M, Y, L ...)",
    "profiles": PROFILES_FILE,
    "new_token": "give the runtime a new token (it is otherwise the same across up, down and reset)",
    "colab_frontend": "let Colab's own web UI use this runtime (Connect -> Connect to a local runtime); only "
                      "https://colab.research.google.com is allowed, and only on 127.0.0.1",
    "base": "base image if the runtime's image must be built (default: localab's own, else debian:RELEASE from a "
            "registry, else made with debootstrap)",
    "discard_scratch": "do not copy the notebooks and text files left in /content to the drive's localab/rescued/",
    "flavour": "the image: colab (Colab's own ~640 packages, default) or tf (localab's TensorFlow only, smaller and "
               "faster to start); with a GPU its -gpu image",
    "sudo": "let the notebook user sudo without a password (`!sudo apt-get install ...`); a privileged runtime",
    "force": "build the image even when the engine's disk looks too small for its first build",
    "owner": "UID:GID the runtime runs as and the drive's files belong to (root only; default: you, the user "
             "behind sudo, or for root alone localab's own system account)",
})
def up(c, profile=None, gpu=False, port=None, drive=None, name="default", recreate=False, listen="127.0.0.1",
       keymap=None, profiles=None, new_token=False, colab_frontend=False, base=None, discard_scratch=False,
       flavour=None, sudo=False, owner=None, force=False):
    """Start the runtime (building the image if needed) and print its URL as the last line."""
    use_profiles(profiles)
    from localab.host import drive as drives
    from localab.host.lifecycle import verbs

    if owner:
        drives.parse_owner(owner)
        os.environ[drives.ENV_OWNER] = owner  # read by every part that writes for the runtime's user
        drives.owner()
    request = verbs.UpRequest(name=name, profile=profile, gpu=gpu, port=port, drive=drive,
                              recreate=recreate or new_token, listen=listen, keymap=keymap, new_token=new_token,
                              colab_frontend=colab_frontend, base=base, discard_scratch=discard_scratch,
                              flavour=flavour, sudo=sudo, force=force)
    result = verbs.up(connect_engine(), request)
    if colab_frontend:
        print(f"in Colab: Connect -> Connect to a local runtime -> "
              f"{result.server.replace('127.0.0.1', 'localhost')}?token={result.token}")
    print(result.login_url)


@verb(help={"name": RUNTIME_NAME, "json_": "print JSON (state, url, container, profile, caps, drive, times)",
            "show_token": "include the token (the URL to open, and what an IDE asks for)"})
def status(c, name="default", json_=False, show_token=False):
    """Say whether the runtime is up, its URL, caps as applied, usage and time left."""
    from localab.cli import report
    from localab.host.lifecycle.status import status as runtime_status

    result = runtime_status(connect_engine(), name)
    print(result.as_json(show_token=show_token) if json_ else "\n".join(report.status_lines(result, show_token=show_token)))


@verb(help={"name": RUNTIME_NAME, "follow": "keep printing new output until Ctrl+C"})
def logs(c, name="default", follow=False):
    """Print the runtime's output (the token is masked)."""
    from localab.host.lifecycle import verbs

    verbs.logs(connect_engine(), name, follow=follow)


@verb(name="exec", help={"name": RUNTIME_NAME})
def exec_(c, name="default"):
    """Run a command in the runtime, as the notebook's user in /content with its environment:
    `localab exec -- python train.py`. Its output streams here; its exit code is localab's."""
    from localab.host.lifecycle import attach

    command = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    out = sys.stdout.buffer

    def write(chunk: bytes) -> None:
        out.write(chunk)
        out.flush()

    code = attach.run(connect_engine(), name, command, write)
    if code:
        raise Exit(code=code)


@verb(help={"name": RUNTIME_NAME})
def shell(c, name="default"):
    """An interactive login shell in the runtime, as the notebook's user in /content, with the
    environment its kernels and Terminal have (needs the docker client and a terminal)."""
    import os

    from localab.host.lifecycle import attach

    command = attach.shell_command(connect_engine(), name)
    sys.stdout.flush()
    os.execv(command[0], command)


@verb(help={"name": RUNTIME_NAME, "discard_scratch": "do not copy the notebooks and text files left in /content to the drive's localab/rescued/",})
def down(c, name="default", discard_scratch=False):
    """Stop and remove the runtime; the drive is kept, and what was left in /content is copied into it."""
    from localab.host.lifecycle import verbs

    verbs.down(connect_engine(), name, discard_scratch=discard_scratch)


@verb(help={"name": RUNTIME_NAME, "yes": "do not ask for confirmation",
            "new_token": "give the fresh runtime a new token too", "discard_scratch": "do not copy the notebooks and text files left in /content to the drive's localab/rescued/",
            "clean_installs": "also remove what `!pip install` put in the drive (drive/localab/pip; kept otherwise)"})
def reset(c, name="default", yes=False, new_token=False, discard_scratch=False, clean_installs=False):
    """Colab's "disconnect and delete runtime": a fresh runtime, scratch wiped, drive kept."""
    from localab.host.lifecycle import verbs

    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("yes: reset wipes /content; add --yes to confirm")
        answer = input(f"Delete runtime '{name}' and everything in its /content (the drive is kept)? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise Exit("localab: reset cancelled", code=1)
    result = verbs.reset(connect_engine(), name, new_token=new_token, discard_scratch=discard_scratch,
                         clean_installs=clean_installs)
    print(result.login_url)


@verb(name="profiles", help={"profiles": PROFILES_FILE, "json_": JSON})
def list_profiles(c, profiles=None, json_=False):
    """List the resource profiles and the file(s) each comes from."""
    from localab.cli import report
    from localab.host import profiles as profile_file

    use_profiles(profiles)
    loaded = profile_file.load()
    if json_:
        print_json({"default": loaded.default, "search_path": [str(path) for path in profile_file.search_path()],
               "profiles": {name: profile.__dict__ for name, profile in loaded.by_name.items()}})
        return
    from rich.console import Console
    from rich.table import Table

    header, rows = report.profile_rows(loaded)
    files = " + ".join(str(path) for path in profile_file.search_path())
    table = Table(*header, title=f"localab profiles ({files})")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


@verb(positional=["action", "name"], help={
    "action": "set (the value is read from stdin, or a prompt) or rm",
    "name": "secret name (letters, digits, _)",
})
def secret(c, action=None, name=None):
    """`localab secret set NAME` / `localab secret rm NAME`: secrets for google.colab.userdata.get(NAME)."""
    import getpass

    from localab.host import secretstore as store

    if action not in ("set", "rm"):
        raise UsageError(f"action: '{action}' is not a secret action; use `localab secret set NAME` or "
                         f"`localab secret rm NAME`")
    store.validate(name)
    if action == "rm":
        print(f"removed {name}" if store.remove(name) else f"no secret {name}")
        return
    value = getpass.getpass(f"value for {name}: ") if sys.stdin.isatty() else sys.stdin.read().rstrip("\n")
    path = store.set_secret(name, value)
    print(f"saved {name} ({path}, 0600); notebooks read it with google.colab.userdata.get('{name}')")


@verb(help={"json_": JSON})
def secrets(c, json_=False):
    """List the secrets' names (never their values)."""
    from localab.host import secretstore as store

    if json_:
        print_json(store.names())
        return
    print("\n".join(store.names()) or "no secrets; add one with `localab secret set NAME`")
