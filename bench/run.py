#!/usr/bin/env python
"""`make bench`: the validate hot paths against the signed no-database baseline (ping).

Starts gunicorn (sync workers) on PostgreSQL with production settings, loads
each endpoint with wrk at 64 connections, three paired runs, and prints and
keeps requests/s, p50 and p99 of each and the median ratios to ping of our
validate and of the Keygen-compatible validate-key (same licenses, same
fingerprints).
Validate requests are spread over BENCH_LICENSES licenses (each with an
activated machine), so no cache of one key can flatter them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DB_NAME = "licensing_bench"
ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
DATABASE_URL = ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"

TARGET_RATIO, TARGET_P99_MS = 0.55, 75.0
TARGET_KEYGEN_RATIO = 0.45
KEYGEN_VALIDATE = "/keygen/v1/licenses/actions/validate-key"


def environment() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "API_RATE_LIMIT_PER_KEY": "off",
        "API_RATE_LIMIT_PER_CLIENT": "off",
        "LOG_LEVEL": "WARNING",
    }


def prepare_database(env: dict, licenses: int) -> list[dict]:
    """A fresh database with `licenses` licenses, one machine each; their request bodies."""
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        for name in (DB_NAME, f"{DB_NAME}_keys"):  # the data keys' own database
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    manage = [sys.executable, "manage.py"]
    for database in ("keys", "default"):
        subprocess.run(
            [*manage, "migrate", "--database", database, "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    subprocess.run(
        [*manage, "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    code = f"from bench.seed import seed; seed({licenses})"
    out = subprocess.run(
        [*manage, "shell", "-v0", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # As autovacuum would have done on a live database: statistics and the visibility
    # map let the seat count be answered from the index alone.
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return json.loads(out.strip().splitlines()[-1])


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (local)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer at {url}")


LUA = """
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) %% 100000)
wrk.method = "POST"
wrk.headers["Content-Type"] = "%(content_type)s"
request = function()
  return wrk.format(nil, nil, nil, bodies[math.random(#bodies)])
end
"""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> dict:
    def latency(pct: str) -> float:
        value, unit = re.search(
            rf"^\s*{pct}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M
        ).groups()
        return float(value) * _UNITS[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def wrk(url: str, seconds: int, connections: int, script: str | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    return parse_wrk(output)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 20))
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 2))
    )
    parser.add_argument(
        "--licenses", type=int, default=int(os.environ.get("BENCH_LICENSES", 2000))
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("BENCH_PORT", 8765))
    )
    args = parser.parse_args()

    env = environment()
    print(
        f"Preparing {args.licenses} licenses with an activated machine each ...",
        flush=True,
    )
    bodies = prepare_database(env, args.licenses)
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    bodies_file = workdir / "bodies.jsonl"
    bodies_file.write_text("\n".join(json.dumps(b) for b in bodies) + "\n")
    script = workdir / "validate.lua"
    script.write_text(LUA % {"bodies": bodies_file, "content_type": "application/json"})
    keygen_bodies = workdir / "keygen.jsonl"
    keygen_bodies.write_text(
        "\n".join(
            json.dumps(
                {"meta": {"key": b["key"], "scope": {"fingerprint": b["fingerprint"]}}}
            )
            for b in bodies
        )
        + "\n"
    )
    keygen_script = workdir / "keygen.lua"
    keygen_script.write_text(
        LUA % {"bodies": keygen_bodies, "content_type": "application/vnd.api+json"}
    )

    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "deploy/gunicorn.conf.py",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(f"{base}/api/v1/ping")
        # Warm-up: connections opened, statements prepared, keys loaded, in every worker.
        wrk(f"{base}/api/v1/licenses/validate", 3, args.connections, str(script))
        wrk(f"{base}{KEYGEN_VALIDATE}", 3, args.connections, str(keygen_script))
        wrk(f"{base}/api/v1/ping", 3, args.connections)
        runs = []
        for n in range(1, args.runs + 1):
            validate = wrk(
                f"{base}/api/v1/licenses/validate",
                args.seconds,
                args.connections,
                str(script),
            )
            keygen = wrk(
                f"{base}{KEYGEN_VALIDATE}",
                args.seconds,
                args.connections,
                str(keygen_script),
            )
            ping = wrk(f"{base}/api/v1/ping", args.seconds, args.connections)
            ratio = validate["rps"] / ping["rps"]
            keygen_ratio = keygen["rps"] / ping["rps"]
            runs.append(
                {
                    "validate": validate,
                    "keygen_validate_key": keygen,
                    "ping": ping,
                    "ratio": ratio,
                    "keygen_ratio": keygen_ratio,
                }
            )
            print(
                f"run {n}: validate {validate['rps']:8.0f} req/s  p50 {validate['p50_ms']:6.2f} ms"
                f"  p99 {validate['p99_ms']:6.2f} ms | keygen validate-key {keygen['rps']:8.0f} req/s"
                f"  p99 {keygen['p99_ms']:6.2f} ms | ping {ping['rps']:8.0f} req/s"
                f"  p50 {ping['p50_ms']:6.2f} ms  p99 {ping['p99_ms']:6.2f} ms"
                f" | ratios {ratio:.3f} / {keygen_ratio:.3f}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)

    median_ratio = statistics.median(r["ratio"] for r in runs)
    median_keygen_ratio = statistics.median(r["keygen_ratio"] for r in runs)
    median_p99 = statistics.median(r["validate"]["p99_ms"] for r in runs)
    failures = sum(
        r["validate"]["non_2xx"]
        + r["keygen_validate_key"]["non_2xx"]
        + r["ping"]["non_2xx"]
        for r in runs
    )
    ok = (
        median_ratio >= TARGET_RATIO
        and median_keygen_ratio >= TARGET_KEYGEN_RATIO
        and median_p99 < TARGET_P99_MS
        and failures == 0
    )
    summary = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "settings": vars(args),
        "runs": runs,
        "median_ratio": round(median_ratio, 3),
        "median_keygen_ratio": round(median_keygen_ratio, 3),
        "median_validate_p99_ms": round(median_p99, 2),
        "non_2xx": failures,
        "targets": {
            "ratio_at_least": TARGET_RATIO,
            "keygen_ratio_at_least": TARGET_KEYGEN_RATIO,
            "validate_p99_below_ms": TARGET_P99_MS,
        },
        "met": ok,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"api-{summary['when'][:19].replace(':', '')}.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    (RESULTS / "api-latest.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(
        f"\nmedian ratio validate/ping {median_ratio:.3f} (target >= {TARGET_RATIO}); "
        f"keygen validate-key/ping {median_keygen_ratio:.3f} (target >= {TARGET_KEYGEN_RATIO}); "
        f"validate p99 {median_p99:.2f} ms (target < {TARGET_P99_MS}); non-2xx {failures}; "
        f"{'targets met' if ok else 'TARGETS MISSED'}\nkept in {path.relative_to(ROOT)}"
    )
    random.seed()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
