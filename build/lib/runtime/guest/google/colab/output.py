"""google.colab.output: the pieces libraries call when they detect Colab."""

from IPython import display as _display


def proxy_path(port: int, path: str = "/") -> str:
    """The runtime-relative URL at which Jupyter Server's proxy serves a kernel-side port."""
    return f"/proxy/{int(port)}/{path.lstrip('/')}"


def _base_url_js() -> str:
    return "JSON.parse(document.getElementById('jupyter-config-data').textContent).baseUrl"


def serve_kernel_port_as_iframe(port: int, path: str = "/", height: int = 400, width: str = "100%", cache_in_notebook=False):
    """Show a server running in the runtime (e.g. on port 6006) in an iframe, through the
    runtime's own port: nothing else is published."""
    _display.display(_display.HTML(
        f'<iframe src="{proxy_path(port, path).lstrip("/")}" width="{width}" height="{height}" frameborder="0"></iframe>'))


def serve_kernel_port_as_window(port: int, path: str = "/", anchor_text: str | None = None):
    url = proxy_path(port, path).lstrip("/")
    _display.display(_display.HTML(f'<a href="{url}" target="_blank">{anchor_text or url}</a>'))


def clear(wait: bool = False, output_tags=()):
    _display.clear_output(wait=wait)


def eval_js(script: str, ignore_result: bool = False, timeout_sec=None):
    """Run JavaScript in the page. Colab returns its result; JupyterLab cannot send one
    back to a running cell, so only fire-and-forget calls are supported."""
    _display.display(_display.Javascript(script))
    if not ignore_result:
        return None


def enable_custom_widget_manager():
    """Colab needs this for third-party widgets; JupyterLab always has them."""


def disable_custom_widget_manager():
    """See enable_custom_widget_manager."""


def no_vertical_scroll():
    """Colab-only output styling; JupyterLab's outputs already grow with their content."""


def register_callback(function_name, callback):
    """Colab lets page JavaScript call back into Python; JupyterLab offers this through
    ipywidgets instead. Registered callbacks are kept but never called from the page."""
    _callbacks[function_name] = callback


_callbacks: dict = {}
