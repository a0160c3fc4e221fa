"""Fixture plugin ``kt_broken``: importing it fails."""

raise RuntimeError("kt_broken fails on import on purpose")
