"""localab's stand-in for Google Colab's `google.colab` package.

Notebooks written for Colab import it, or test `'google.colab' in sys.modules`, and
take their Colab path; here that path works against a localab runtime: the drive is
the host folder mounted at /content/drive/MyDrive, secrets come from the host,
files download through the browser, and ports are served through Jupyter Server's
proxy on the runtime's own port. It exists only inside the localab image.
"""

from . import auth, drive, errors, files, kernel, output, patches, runtime, snippets, syntax, userdata  # noqa: F401

__version__ = "0.0.1a2+localab"
