"""What a login shell in the runtime is given of the kernels' environment."""

import os
import shlex
import subprocess

from localab.guest import shellenv


def test_the_environment_is_written_for_a_shell_without_any_token(tmp_path):
    env = {"PATH": "/drive/pip/bin:/opt/venv/bin:/usr/bin", "OMP_NUM_THREADS": "2", "JUPYTER_TOKEN": "secret",
           "JUPYTER_TOKEN_FILE": "/run/localab/token", "JUPYTERHUB_API_TOKEN": "hub-secret", "HOSTNAME": "x",
           "QUOTED": "it's $HOME; `rm -rf /`", "MULTI": "a\nb", "NOT A NAME": "x"}
    target = tmp_path / "environment"
    shellenv.write(env, target)
    text = target.read_text()
    assert "secret" not in text and "TOKEN" not in text and "HOSTNAME" not in text and "MULTI" not in text
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    shown = subprocess.run(["bash", "-c", f". {shlex.quote(str(target))}; printf '%s|%s|%s' \"$PATH\" "
                                          "\"$OMP_NUM_THREADS\" \"$QUOTED\""],
                           capture_output=True, text=True, timeout=30, env={"PATH": os.environ["PATH"]})
    assert shown.stdout == "/drive/pip/bin:/opt/venv/bin:/usr/bin|2|it's $HOME; `rm -rf /`"
