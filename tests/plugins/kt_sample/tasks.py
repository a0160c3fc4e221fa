"""The sample plugin's jobs: plain sync functions run by ``kontakt worker``."""

from __future__ import annotations

from pathlib import Path

from core import jobs


def tick() -> None:
    """The periodic task: stores an item with source ``periodic``."""
    from kt_sample.service import add_item

    jobs.run_async(add_item("system:kt_sample", "tick", source="periodic"))


def write_file(path: str, text: str) -> str:
    """A one-off job for ``jobs.enqueue``: writes ``text`` to ``path``."""
    Path(path).write_text(text, encoding="utf-8")
    return path
