"""What the whole test suite needs on the host, made ready by `invoke test`."""

import shutil

from . import hostengine
from .errors import LocalabError
from .hostos import is_debian_like, is_root

CHROMIUM = "/usr/bin/chromium"
INSTALL_CHROMIUM = "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"


def prepare(ctx, say=print) -> None:
    version = hostengine.ensure_engine(ctx, say=say)
    say(f"Docker engine {version['Version']} is answering")
    if not shutil.which("chromium"):
        if not (is_root() and is_debian_like()):
            raise LocalabError(f"the browser tests need Debian's Chromium at {CHROMIUM}; run: sudo apt-get install -y chromium")
        say("installing Debian's chromium for the browser tests")
        ctx.run(INSTALL_CHROMIUM)
