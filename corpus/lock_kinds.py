# gilcheck-scope: concurrent
"""asyncio locks order tasks of one event loop: they are neither thread locks nor evidence that
threads exist. A multiprocessing lock excludes threads as well, but says nothing of threads."""
import asyncio
import multiprocessing
import threading


class AsyncCursor(object):
    """Shared by the tasks of one event loop: no thread here."""

    def __init__(self):
        self._mutex = asyncio.Lock()
        self._rows = []
        self.fetched = 0

    async def execute(self, rows):
        async with self._mutex:
            self._rows = list(rows)                         # ok

    def fetchone(self):
        if self._rows:
            self.fetched += 1                               # ok
            return self._rows.pop(0)                        # ok
        return None


_plock = multiprocessing.Lock()
done = 0


def record():
    global done
    with _plock:
        done += 1                                           # ok


def record_fast():
    global done
    done += 1                                               # expect: GIL101


if __name__ == "__main__":
    for _ in range(2):
        threading.Thread(target=record).start()
        threading.Thread(target=record_fast).start()
