"""Fixture plugin ``kt_bad_manifest``: its manifest lacks the required description."""
