"""localab's verbs for `invoke` in a checkout: the same collection as the `localab`
command (runtime/cli/). `invoke --list` lists them, `invoke VERB --help` explains one."""

from localab.cli import ns  # noqa: F401 (Invoke finds the collection here)
