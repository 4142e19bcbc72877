"""google.colab.runtime: unassign() ends this runtime from a notebook, as Colab's does.

The page saves its open documents first (and says the runtime is stopping), then the
entry process stops Jupyter Server; `localab status` says the runtime was unassigned.
What was left in /content is copied into the drive's localab/rescued/ by the next
`localab up`, `down` or `reset`, as after a lifetime's end; the drive itself is kept."""

import time
from pathlib import Path

from localab.guest import contract


def unassign():
    Path(contract.STOP_FLAG).touch()  # the page sees it in the runtime's status and saves what is open
    print("google.colab.runtime.unassign(): open documents are being saved, then this runtime stops. The drive is "
          "kept; what was left in /content is copied into the drive's localab/rescued/ by the next `localab up`, "
          "`down` or `reset`.", flush=True)
    time.sleep(contract.PAGE_SAVE_WAIT_S)
    Path(contract.UNASSIGN_FLAG).touch()
