"""What runs inside the localab container: the entry process, Jupyter settings,
resource caps applied from inside, and Colab compatibility.

This package is importable on the host as runtime.guest.localab_guest (for unit tests
and for the constants both sides share) and in the image as localab_guest. Modules
here use only the standard library at import time.
"""
