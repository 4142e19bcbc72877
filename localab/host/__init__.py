"""The host side: drives a Docker engine to build images and start runtimes, benchmarks
and the hub. Flat modules are the shared nouns; sub-packages are the rooms."""
