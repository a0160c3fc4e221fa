"""The registry's demo data."""

from __future__ import annotations

import random


async def seed(rng: random.Random, actor: str) -> None:
    """Series KS/BUN/SBN, a plan, case files and documents (one secret-marked)."""
