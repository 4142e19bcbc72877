"""A runtime's life: what localab keeps about it on the host (state), what the engine
reports (status), and the verbs that change it (verbs)."""
