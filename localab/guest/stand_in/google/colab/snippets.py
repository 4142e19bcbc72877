"""google.colab.snippets: Colab's snippets pane (Ctrl+Alt+P) gains a notebook's snippets.
JupyterLab has no such pane: register() is accepted, changes nothing, and says so."""

import sys


def register(url):
    if not isinstance(url, str) or not url:
        raise ValueError(f"snippets.register takes a notebook's URL as a string, not {url!r}")
    print(f"google.colab.snippets: JupyterLab has no snippets pane, so {url} was not added; open that notebook "
          f"and copy the cells you need", file=sys.stderr)
