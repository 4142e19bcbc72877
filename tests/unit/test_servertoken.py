"""The token leaves the environment before the server, kernels or `!pip` inherit it."""

import os

from localab.guest import contract, servertoken


def test_a_token_file_is_handed_to_the_server_and_gone_from_the_environment(tmp_path):
    (tmp_path / "token").write_text("s3cret\n")
    environ = {contract.ENV_TOKEN_FILE: str(tmp_path / "token"), "PATH": "/usr/bin"}
    assert servertoken.take(environ) == "s3cret"
    assert "s3cret" not in repr(environ) and contract.ENV_TOKEN_FILE not in environ
    assert servertoken.for_server(environ) == "s3cret"
    assert environ == {"PATH": "/usr/bin"}, "what kernels inherit holds no token and no token file"


def test_a_token_in_the_environment_moves_into_a_private_file(monkeypatch, tmp_path):
    monkeypatch.setattr(servertoken.tempfile, "tempdir", str(tmp_path))
    environ = {contract.ENV_TOKEN: "s3cret"}
    assert servertoken.take(environ) == "s3cret"
    assert contract.ENV_TOKEN not in environ
    path = environ[servertoken.SERVER_ENV]
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert servertoken.for_server(environ) == "s3cret" and environ == {}


def test_no_token_leaves_the_server_to_make_one():
    environ = {}
    assert servertoken.take(environ) is None and servertoken.for_server(environ) is None
