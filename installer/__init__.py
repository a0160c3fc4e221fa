"""The single-box installer: ``python -m installer --prefix PREFIX`` (see docs/installation.md)."""
