"""A redis-server, a Celery worker and an SMTP server of a test's own.

The reliability tests stop and kill them, so each runs on a free port of its
own and disturbs nothing else. Every wait is on a condition, with a deadline.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis
from aiosmtpd.controller import Controller
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        wait_for(lambda: self._answers(client), what="redis-server")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    @staticmethod
    def _answers(client) -> bool:
        try:
            return client.ping()
        except redis.RedisError:
            return False


def database_urls() -> dict[str, str]:
    """DATABASE_URL and KEYS_DATABASE_URL of this test's databases, for a subprocess."""

    def url(alias):
        db = connections[alias].settings_dict
        return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"

    return {"DATABASE_URL": url("default"), "KEYS_DATABASE_URL": url("keys")}


class Worker:
    """`celery -A config worker` against the test database and the given Redis."""

    def __init__(
        self, *, broker_url: str, database_url: str, smtp_port: int, log: Path
    ):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,
            "KEYS_DATABASE_URL": database_urls()["KEYS_DATABASE_URL"],
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_TIMEOUT": "30",
        }
        self.log = log
        self.process = None

    def start(self):
        self.log.write_text("")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
                "--hostname",
                f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )
        wait_for(
            lambda: "ready." in self.log.read_text(), timeout=60, what="celery worker"
        )

    def kill(self):
        """SIGKILL: no chance to finish, acknowledge or clean up."""
        if self.process:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self):
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None


class SmtpSink:
    """A real SMTP server that records what it accepts; it can be told to hold messages."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.hold = threading.Event()  # while set, DATA waits (a slow mail server)
        self.receiving = threading.Event()  # set when a DATA command has arrived
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        self.receiving.set()
        # If the sender goes away meanwhile, aiosmtpd cancels this coroutine: like a
        # real server, the sink takes responsibility for a message only with its 250.
        while self.hold.is_set():
            await asyncio.sleep(0.05)
        self.messages.append(envelope.original_content)
        return "250 OK"

    def start(self):
        self.controller.start()

    def stop(self):
        self.hold.clear()
        self.controller.stop()
