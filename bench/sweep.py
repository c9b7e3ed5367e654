#!/usr/bin/env python
"""`make bench`, part 2: the daily lifecycle sweep over 100,000 licenses.

All licenses are bought on one day (the worst case: everything falls due
together). Measured, each in a fresh process (time, and the process's peak
resident memory): a quiet day with nothing due, the day every renewal reminder
goes out, and the day every license renews and is invoiced. Emails are rendered
and written to the outbox and their tasks published to a Redis database of the
benchmark's own, as in production; nothing is sent.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import redis
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DB_NAME = "licensing_bench_sweep"
MIGRATE = (sys.executable, "manage.py", "migrate")
ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
DATABASE_URL = ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

DAYS = {
    "quiet day": "2026-06-01",
    "reminder day": "2027-01-16",
    "renewal day": "2027-03-02",
}

MEASURE = """
import json, resource, time
from datetime import date
from licensing.sweep import sweep_day
profiler = None
if {profile!r}:
    import cProfile
    profiler = cProfile.Profile()
    profiler.enable()
started = time.perf_counter()
counts = sweep_day(date.fromisoformat({day!r}))
seconds = time.perf_counter() - started
if profiler:
    import pstats, sys
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_rss_mb": peak_mb, "counts": counts}}))
"""


# Rotating the field keys re-wraps one data key per customer, not their values.
REWRAP = """
import json, time
from core import datakeys
started = time.perf_counter()
rewrapped = datakeys.rewrap(batch_size=1000)
print(json.dumps({"data_keys": rewrapped, "seconds": round(time.perf_counter() - started, 2)}))
"""


def environment() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }


def manage_shell(env: dict, code: str) -> str:
    """Run `code` in a fresh process; its last line of output (profiles go to stderr)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    if "cumulative" in result.stderr:
        print(result.stderr, file=sys.stderr)
    return result.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--licenses",
        type=int,
        default=int(os.environ.get("BENCH_SWEEP_LICENSES", 100_000)),
    )
    parser.add_argument(
        "--profile", action="store_true", help="print where the time goes"
    )
    args = parser.parse_args()
    env = environment()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        for name in (DB_NAME, f"{DB_NAME}_keys"):  # the data keys' own database
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    for database in ("keys", "default"):
        subprocess.run(
            [*MIGRATE, "--database", database, "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    print(f"Loading {args.licenses:,} licenses ...", flush=True)
    started = time.perf_counter()
    manage_shell(
        env, f"from bench.sweep_seed import seed; seed({args.licenses}); print('ok')"
    )
    print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")

    results = {}
    try:
        for name, day in DAYS.items():
            result = json.loads(
                manage_shell(env, MEASURE.format(day=day, profile=args.profile))
            )
            results[name] = {"day": day, **result}
            changed = {k: v for k, v in result["counts"].items() if v}
            print(
                f"{name:13} {day}: {result['seconds']:7.1f} s, peak RSS {result['peak_rss_mb']:6.0f} MB, "
                f"{changed or 'nothing due'}",
                flush=True,
            )
    finally:
        queued = broker.llen("celery")
        broker.flushdb()
    rotated = {
        **env,
        "FIELD_ENCRYPTION_KEYS": f"{Fernet.generate_key().decode()},{env['FIELD_ENCRYPTION_KEYS']}",
    }
    rewrap = json.loads(manage_shell(rotated, REWRAP))
    print(
        f"key rotation: {rewrap['data_keys']:,} data keys re-wrapped in "
        f"{rewrap['seconds']:.1f} s",
        flush=True,
    )
    summary = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "licenses": args.licenses,
        "results": results,
        "tasks_published": queued,
        "key_rotation": rewrap,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"sweep-{summary['when'][:19].replace(':', '')}.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    (RESULTS / "sweep-latest.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{queued:,} email tasks were published; kept in {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
