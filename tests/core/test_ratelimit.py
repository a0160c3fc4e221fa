"""core.ratelimit: a fixed window counted in Redis (PostgreSQL + Redis backend) or in-process."""

from __future__ import annotations

import subprocess
import sys
import uuid

from core import ratelimit
from tests.support import services

NOW = 1_800_000_000.0  # the start of a 60-second window (divisible by 60)


def test_a_window_allows_its_limit_then_refuses_and_the_next_window_starts_afresh(settings):
    ratelimit.configure(settings)
    key = f"test-{uuid.uuid4().hex}"
    assert [ratelimit.hit(key, 3, 60, now=NOW + i) for i in range(5)] == [True] * 3 + [False] * 2
    assert ratelimit.hit(key, 3, 60, now=NOW + 60)
    assert ratelimit.hit(f"{key}-other", 3, 60, now=NOW + 10)
    ratelimit.reset(key)
    assert ratelimit.hit(key, 1, 60, now=NOW + 1)


def test_reset_forgets_only_the_keys_with_its_prefix(settings):
    ratelimit.configure(settings)
    key = f"test-{uuid.uuid4().hex}"
    assert ratelimit.hit(f"{key}:a", 1, 60, now=NOW)
    assert ratelimit.hit(f"{key}:b", 1, 60, now=NOW)
    ratelimit.reset(f"{key}:a")
    assert ratelimit.hit(f"{key}:a", 1, 60, now=NOW)
    assert not ratelimit.hit(f"{key}:b", 1, 60, now=NOW)


def test_the_count_is_shared_by_separate_processes_on_redis(settings):
    """Another Python process (as another worker would) counts into the same window."""
    ratelimit.configure(settings)
    key = f"test-{uuid.uuid4().hex}"
    assert ratelimit.hit(key, 2, 60, now=NOW)
    child = (
        "import sys; from core import ratelimit; from core.settings import load_settings; "
        "ratelimit.configure(load_settings()); "
        f"print(ratelimit.hit({key!r}, 2, 60, now={NOW}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, check=True, cwd=services.ROOT
    ).stdout.strip()
    assert out == "True"
    shared = not ratelimit.hit(key, 2, 60, now=NOW)
    # With Redis the third hit is refused (the child counted too); without, each counts alone.
    assert shared is (services.backend() == "postgres")
