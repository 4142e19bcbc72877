"""One module per bench workload: its `WORKLOAD` declaration and the functions that read
its summary.json (table rows, headline, the figure --compare-host compares on)."""
