"""What the whole test suite needs on the host, made ready by `invoke test`."""

import shutil

from localab.host import commands
from localab.host.errors import LocalabError
from localab.host.machine import dockerd
from localab.host.machine.osinfo import is_debian_like, is_root

CHROMIUM = "/usr/bin/chromium"


def prepare(say=print) -> None:
    version = dockerd.ensure_engine(say=say)
    say(f"Docker engine {version['Version']} is answering")
    if not shutil.which("chromium"):
        if not (is_root() and is_debian_like()):
            raise LocalabError(f"the browser tests need Debian's Chromium at {CHROMIUM}; run: sudo apt-get install -y chromium")
        say("installing Debian's chromium for the browser tests")
        commands.apt_install("chromium")
    if not shutil.which("bindfs"):
        if not (is_root() and is_debian_like()):
            raise LocalabError("the sudo runtime's tests need bindfs; run: sudo apt-get install -y bindfs")
        say("installing Debian's bindfs for the sudo runtime's tests")
        commands.apt_install("bindfs")


if __name__ == "__main__":  # `invoke test` runs this before pytest
    try:
        prepare()
    except LocalabError as error:
        raise SystemExit(f"localab: {error}") from None
