"""Shared plumbing for the benchmark scripts (not a benchmark itself: .ci/run runs bench/*.py only)."""
