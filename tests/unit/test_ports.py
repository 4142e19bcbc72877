import socket

import pytest

from localab.host import ports
from localab.host.errors import UsageError


@pytest.mark.parametrize("value", ["0", "70000", "-1", "http", "88.8", ""])
def test_bad_ports_are_refused(value):
    with pytest.raises(UsageError, match=f"port: '{value}' is not a TCP port; use a number from 1 to 65535"):
        ports.validate(value)


def test_an_explicit_busy_port_is_an_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=f"{port} is already in use"):
            ports.choose(str(port))


def test_the_default_port_or_the_next_free_one_said_out_loud():
    said = []
    busy = {8888, 8889}
    assert ports.choose(None, say=said.append, is_free=lambda p, a: p not in busy) == 8890
    assert said == ["port 8888 is busy; using 8890"]
    assert ports.choose(None, say=said.append, is_free=lambda p, a: True) == 8888


def test_the_hub_searches_from_its_own_default():
    said = []
    assert ports.choose(None, default=8000, say=said.append, is_free=lambda p, a: p != 8000) == 8001
    assert said == ["port 8000 is busy; using 8001"]
    with pytest.raises(UsageError, match="8000-8099 are all in use"):
        ports.choose(None, default=8000, is_free=lambda p, a: False)
