"""Real concurrency for tests: threads, each with its own database connection."""

import threading

from django.db import connections


def run_concurrently(task, count: int) -> list:
    """Start `count` threads that call `task(n)` at the same moment; their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(n):
        try:
            barrier.wait()
            results[n] = task(n)
        finally:
            connections.close_all()  # the keys database's too

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
