"""One module per implementation; each maps its names to one function per workload (RUNS)."""
