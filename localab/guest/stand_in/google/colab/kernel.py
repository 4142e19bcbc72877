"""google.colab.kernel: what libraries ask of Colab's kernel from Python."""

from .output import proxy_path


def proxyPort(port: int, cache: bool = True) -> str:  # noqa: N802 (Colab's own name)
    """The URL (relative to the runtime) where a server on `port` inside it is reachable."""
    return proxy_path(port)


proxy_port = proxyPort
