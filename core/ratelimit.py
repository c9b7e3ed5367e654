"""Fixed-window rate limits counted in Redis (or in process memory without Redis).

Rates use Django REST framework's syntax: `120/min`, `10/s`, `1000/hour`,
`5000/day`; `off` disables a limit. If Redis cannot be reached the request is
let through: a limiter must not take the service down with it.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@cache
def parse_rate(rate: str) -> tuple[int, int] | None:
    """`"120/min"` -> (120, 60); `"off"` -> None; anything else is a configuration error."""
    text = (rate or "").strip().lower()
    if text in ("off", "none", ""):
        return None
    try:
        count, period = text.split("/")
        return int(count), _PERIODS[period[0]]
    except (ValueError, KeyError, IndexError):
        raise ValueError(f"Not a rate: {rate!r} (use e.g. 120/min, or off)") from None


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


_memory: dict[str, int] = {}
_memory_lock = threading.Lock()


def _count_in_memory(keys: list[tuple[str, int]]) -> list[int]:
    with _memory_lock:
        if len(_memory) > 100_000:
            _memory.clear()
        counts = []
        for key, _period in keys:
            _memory[key] = _memory.get(key, 0) + 1
            counts.append(_memory[key])
        return counts


def hit(limits: list[tuple[str, str, str]]) -> int | None:
    """Count one request against each (scope, identity, rate); seconds to wait if over any.

    Identities must not be secrets or personal data in clear (pass hashes).
    """
    now = int(time.time())
    keys, budgets = [], []
    for scope, identity, rate in limits:
        parsed = parse_rate(rate)
        if parsed is None:
            continue
        count, period = parsed
        window = now // period
        keys.append((f"rl:{scope}:{identity}:{window}", period))
        budgets.append((count, period - now % period))
    if not keys:
        return None
    if settings.REDIS_URL:
        try:
            pipe = _client(settings.REDIS_URL).pipeline(transaction=False)
            for key, period in keys:
                pipe.incr(key)
                pipe.expire(key, period + 1)
            counts = pipe.execute()[::2]
        except redis.RedisError:
            logger.warning("rate limits not counted: Redis unavailable")
            return None
    else:
        counts = _count_in_memory(keys)
    waits = [
        wait for n, (limit, wait) in zip(counts, budgets, strict=True) if n > limit
    ]
    return max(waits) if waits else None
