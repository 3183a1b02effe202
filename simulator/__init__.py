"""A CloudStack management server in miniature, for tests, demos and benchmarks."""
