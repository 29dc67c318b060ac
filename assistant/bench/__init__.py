"""Benchmarks: synthetic corpora and scale measurements (not used when answering)."""
