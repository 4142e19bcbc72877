"""What runs inside the localab container: the entry process, Jupyter settings,
resource caps applied from inside, and Colab compatibility.

The image carries it as /opt/localab/py/localab/guest, and the host imports it by the same
name (for unit tests and for the contract both sides share). Modules here use only the
standard library at import time. stand_in/ is the google.colab stand-in (on the image's
sys.path, so `import google.colab` finds it); labextension/, jupyter/ and ipython/ are
the page extension and the settings the image links into place.
"""
