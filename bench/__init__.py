"""City-scale benchmarks: a synthetic city generator and a harness that measures the project against references."""
