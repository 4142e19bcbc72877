"""google.colab.output: the pieces libraries call when they detect Colab."""

from IPython import display as _display

from ._tags import (clear, redirect_to_element, temporary, to_default_area, to_footer_area,  # noqa: F401
                    to_header_area, use_tags)  # (Colab's names)


def proxy_path(port: int, path: str = "/") -> str:
    """The runtime-relative URL at which Jupyter Server's proxy serves a kernel-side port."""
    return f"/proxy/{int(port)}/{path.lstrip('/')}"


def serve_kernel_port_as_iframe(port: int, path: str = "/", width: str = "100%", height: str = "400",
                                cache_in_notebook=False):
    """Show a server running in the runtime (e.g. on port 6006) in an iframe, through the
    runtime's own port: nothing else is published."""
    _display.display(_display.HTML(
        f'<iframe src="{proxy_path(port, path).lstrip("/")}" width="{width}" height="{height}" frameborder="0"></iframe>'))


def serve_kernel_port_as_window(port: int, path: str = "/", anchor_text: str | None = None, skip_warning=False):
    url = proxy_path(port, path).lstrip("/")
    _display.display(_display.HTML(f'<a href="{url}" target="_blank">{anchor_text or url}</a>'))


EVAL_JS = "\x1blocalab-eval-js\x1b"  # an input request with this prompt is answered by localab's page extension


def eval_js(script: str, ignore_result: bool = False, timeout_sec=None):
    """Run JavaScript in the page and return the value it computes (a Promise is awaited),
    while the cell is still running: the request travels on the kernel's stdin channel,
    which a busy kernel reads. JSON-serialisable values only; a script that throws raises
    MessageError with the page's error; one that does not settle within timeout_sec
    raises TimeoutException, and the kernel keeps running."""
    import json

    from IPython import get_ipython

    from ._message import MessageError, TimeoutException

    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    request = {"script": str(script), "ignore_result": bool(ignore_result), "timeout_sec": timeout_sec}
    try:
        if kernel is None:
            raise _NoPage()
        answer = kernel.raw_input(EVAL_JS + json.dumps(request))
    except Exception as error:  # StdinNotImplementedError: this client cannot answer (nbconvert, a headless one)
        if isinstance(error, _NoPage) or type(error).__name__ == "StdinNotImplementedError":
            raise MessageError("eval_js needs a page attached to this kernel (JupyterLab with localab's extension); "
                               "this client cannot run JavaScript (nbconvert, a headless client)") from None
        raise
    reply = json.loads(answer) if answer.startswith("{") else {"error": "the page did not answer eval_js: "
                                                                        "is localab's JupyterLab extension loaded?"}
    if reply.get("timeout"):
        raise TimeoutException(f"eval_js: the page did not settle within {timeout_sec} s")
    if "error" in reply:
        raise MessageError(reply["error"])
    return None if ignore_result else reply.get("value")


class _NoPage(Exception):
    pass


def register_callback(function_name: str, callback) -> None:
    """Page JavaScript may then call `google.colab.kernel.invokeFunction(function_name,
    args, kwargs)`; it gets what `callback` returns, displayed (e.g. IPython.display.JSON),
    as `{data: {mime type: value}}`."""
    _callbacks[function_name] = callback


def unregister_callback(function_name: str) -> None:
    """The page may no longer call `function_name`; one never registered is a KeyError, as on Colab."""
    if function_name not in _callbacks:
        raise KeyError(f"no callback registered as {function_name!r}")
    del _callbacks[function_name]


def _invoke(call_json: str) -> None:
    """Run by the page's invokeFunction (a silent-history execute request)."""
    import json

    call = json.loads(call_json)
    if call["name"] not in _callbacks:
        raise KeyError(f"no callback registered as {call['name']!r}; use google.colab.output.register_callback")
    result = _callbacks[call["name"]](*call.get("args", []), **call.get("kwargs", {}))
    if result is not None:
        _display.display(result)


def enable_custom_widget_manager(version=None):
    """Colab needs this for third-party widgets; JupyterLab always has them, at its own version."""


def disable_custom_widget_manager():
    """See enable_custom_widget_manager."""


def no_vertical_scroll():
    """Colab-only output styling; JupyterLab's outputs already grow with their content."""


_callbacks: dict = {}
