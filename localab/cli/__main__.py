"""python -m localab.cli: the localab command without its script."""

from localab.cli import main

main()
