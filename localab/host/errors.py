"""Errors a user can act on. tasks.py turns them into one line and an exit code."""


class LocalabError(Exception):
    """Something the user can fix; the message says what was wrong and what to do."""

    exit_code = 1


class UsageError(LocalabError):
    """Bad input: an option, a profile file, a lock file. Nothing was changed."""

    exit_code = 2


class EngineUnavailable(LocalabError):
    """No Docker engine answers."""


class BuildFailed(LocalabError):
    """An image build stopped at a step."""


class Interrupted(LocalabError):
    """Ctrl-C: what was under way stopped, and nothing half-done was kept."""

    exit_code = 130
