"""Benchmarks that print figures: ``python -m bench [audit|login|all] [--quick]``."""
