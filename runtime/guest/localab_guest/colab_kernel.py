"""The IPython extension every kernel in the runtime loads at start (see
ipython/ipython_kernel_config.py): Colab's module, magics and display paths."""

from IPython.core.error import UsageError

from .imports import when_imported

TF2_MESSAGE = "Colab only includes TensorFlow 2.x; %tensorflow_version has no effect."
TF1_MESSAGE = ("Tensorflow 1 is unsupported in Colab (and in localab). Your notebook should be updated to use "
               "Tensorflow 2. See the guide at https://www.tensorflow.org/guide/migrate#migrate-from-tensorflow-1x-to-tensorflow-2.")


def tensorflow_version(line: str) -> None:
    """%tensorflow_version 2.x: accepted, as in Colab today; 1.x: refused, as in Colab."""
    version = line.strip()
    if version in ("2", "2.x"):
        print(TF2_MESSAGE)
        return
    if version in ("1", "1.x"):
        raise UsageError(TF1_MESSAGE)
    raise UsageError(f"%tensorflow_version: '{version}' is not a TensorFlow version here; use 2.x")


def take_jupyter_path(notebook) -> None:
    """TensorBoard believes it is in Colab once google.colab imports, and emits JavaScript
    for Colab's front end. Send it down its Jupyter path instead, which serves the iframe
    through Jupyter Server's proxy on the runtime's own port (TENSORBOARD_PROXY_URL)."""
    notebook._get_context = lambda: notebook._CONTEXT_IPYTHON


def load_ipython_extension(ipython) -> None:
    import google.colab  # noqa: F401  (notebooks test `'google.colab' in sys.modules`)

    ipython.register_magic_function(tensorflow_version, "line", "tensorflow_version")
    when_imported("tensorboard.notebook", take_jupyter_path)
