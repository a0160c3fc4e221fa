"""Fixed-window rate limits shared by every process of an installation.

With ``settings.redis_url`` set, a window's count is a Redis key (``INCR``, and ``EXPIRE`` on the
window's first hit), so several ``kontakt serve`` workers count together; without Redis (one box,
SQLite) the count is kept in this process. Keys are named after the installation
(``<instance_name>-ratelimit:<key>:<window>``), so installations sharing one Redis do not mix.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from core.settings import Settings

REDIS_TIMEOUT_S = 2.0

_prefix = "kontakt-ratelimit"
_redis_url = ""
_redis: Any = None
_local: dict[str, tuple[int, int]] = {}  # key -> (window index, count)
_lock = threading.Lock()


def configure(settings: Settings) -> None:
    """Count in this installation's Redis (when it has one) under its instance name."""
    global _prefix, _redis_url, _redis
    _prefix = f"{settings.instance_name}-ratelimit"
    if settings.redis_url != _redis_url:
        _redis = None
    _redis_url = settings.redis_url


def _client() -> Any:
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(
            _redis_url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
        )
    return _redis


def hit(key: str, limit: int, window_s: int = 60, now: float | None = None) -> bool:
    """Count one hit of ``key`` in the current window of ``window_s`` seconds.

    Returns False (and the hit is still counted) when it is beyond ``limit`` hits in the window.
    """
    window = int((time.time() if now is None else now) // window_s)
    name = f"{_prefix}:{key}:{window}"
    if _redis_url:
        pipe = _client().pipeline()
        pipe.incr(name)
        pipe.expire(name, window_s + 1, nx=True)
        count = int(pipe.execute()[0])
    else:
        with _lock:
            seen, count = _local.get(name, (window, 0))
            count += 1
            _local[name] = (seen, count)
            for stale in [k for k, (w, _) in _local.items() if w < window]:
                del _local[stale]
    return count <= limit


def reset(key_prefix: str = "") -> None:
    """Forget the counts of every key starting with ``key_prefix`` (tests, changed settings)."""
    pattern = f"{_prefix}:{key_prefix}"
    if _redis_url:
        client = _client()
        names = list(client.scan_iter(match=pattern.replace("*", r"\*") + "*", count=500))
        if names:
            client.delete(*names)
    with _lock:
        for name in [k for k in _local if k.startswith(pattern)]:
            del _local[name]
