"""The IPython extension every kernel in the runtime loads at start (see
ipython/ipython_kernel_config.py): Colab's module, magics and display paths."""

import os
import sys
import threading
import time

from . import colab_magics, contract, lifetime, plotlyview
from .imports import when_imported


def take_jupyter_path(notebook) -> None:
    """TensorBoard believes it is in Colab once google.colab imports, and emits JavaScript
    for Colab's front end. Send it down its Jupyter path instead, which serves the iframe
    through Jupyter Server's proxy on the runtime's own port (TENSORBOARD_PROXY_URL)."""
    notebook._get_context = lambda: notebook._CONTEXT_IPYTHON


RECHECK_S = 10.0  # the runtime's clock can jump ahead (lifetime.ahead_s): look again this often


def warn_before_the_end(clock: lifetime.Clock, sleep=time.sleep, now=lifetime.clock_now, write=None,
                        ready=lambda: True) -> None:
    """In a daemon thread: print the lifetime warnings into the notebook. ipykernel sends
    a background thread's output to the cell that ran last, where the user looks; until
    a cell has run (`ready`), a warning waits."""
    write = write or (lambda text: print(text, file=sys.stderr, flush=True))
    marks = sorted(lifetime.WARN_AT_S, reverse=True)
    for index, mark in enumerate(marks):
        remaining = clock.remaining(now())
        if not remaining:
            return
        while remaining and remaining > mark:
            sleep(min(RECHECK_S, remaining - mark))
            remaining = clock.remaining(now())
        if not remaining:
            return
        later = marks[index + 1] if index + 1 < len(marks) else 0
        if remaining <= later:  # the next, closer warning says it
            continue
        while not ready() and clock.remaining(now()):
            sleep(1.0)
        remaining = clock.remaining(now())
        if remaining:
            write(lifetime.warning(remaining, clock.lifetime_s))


def start_in_content(content: str = str(contract.CONTENT)) -> None:
    """Every kernel works in /content, wherever its notebook is saved (notebooks live in
    the drive): `sample_data/...` and `!ls` mean what they mean on Colab."""
    if os.path.isdir(content):
        os.chdir(content)


def load_ipython_extension(ipython) -> None:
    import google.colab  # noqa: F401  (notebooks test `'google.colab' in sys.modules`)

    start_in_content()
    colab_magics.register(ipython)
    when_imported("tensorboard.notebook", take_jupyter_path)
    when_imported("plotly.io", plotlyview.register)
    clock = lifetime.Clock.from_environ(os.environ)
    if clock.expires_at:
        threading.Thread(target=warn_before_the_end, args=(clock,), name="localab-lifetime", daemon=True,
                         kwargs={"ready": lambda: ipython.execution_count > 1}).start()
