"""Benchmark workloads; each runs by itself inside a localab container."""
