"""The verbs for developers in a checkout: labextension, compose, test."""

import sys
from pathlib import Path

from localab.cli.verb import verb


@verb
def labextension(c):
    """Rebuild localab's JupyterLab extension (labextension/ -> localab/guest/labextension); needs npm."""
    from localab.cli import labext

    labext.build()


@verb(help={"output": "where to write it (default: compose.yaml in the checkout, else here)"})
def compose(c, output=None):
    """Write compose.yaml from the packaged default profile (the same plan as `localab up`)."""
    from localab.cli import composefile as compose_file

    path = compose_file.write(Path(output) if output else None)
    print(f"wrote {path} from the packaged profiles")


COLAB_GROUP = "LOCALAB_TEST_COLAB_GROUP"  # tests/conftest.py: the runtime fixture runs on the colab image too


@verb(help={
    "unit": "only the unit tests (no engine, no image, seconds)",
    "k": "only tests matching this pytest -k expression",
    "pytest_args": "more arguments for pytest, as one string",
    "colab": "only the colab group: every runtime test again on the colab image, and the colab image's own "
             "(about 25 minutes more; the whole suite runs the colab image's own tests)",
})
def test(c, unit=False, k="", pytest_args="", colab=False):
    """Run the test suite (in a checkout): unit, then integration (real engine and image) and browser tests."""
    import shlex

    if not unit:  # the engine and the browser: test set-up, kept with the tests (not shipped)
        c.run(shlex.join([sys.executable, "-m", "tests.utils.testenv"]), pty=False)
    command = [sys.executable, "-m", "pytest"] + (["tests/unit"] if unit else [])
    command += ["-k", k] if k else []
    command += ["-m", "colab", "tests/integration", "tests/browser"] if colab else []
    command += shlex.split(pytest_args)
    env = {} if unit else {"LOCALAB_REQUIRE_ENGINE": "1"}
    if colab:
        env[COLAB_GROUP] = "1"
    c.run(shlex.join(command), env=env, pty=False, warn=False)
