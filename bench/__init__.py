"""Benchmarks, run by hand against the real dev stack (`python -m bench.<name> --help`)."""
