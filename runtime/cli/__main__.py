"""python -m runtime.cli: the localab command without its script."""

from runtime.cli import main

main()
