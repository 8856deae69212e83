# gilcheck-scope: concurrent
"""A lock protects only against code that takes the same lock: two different locks around one
counter, or a lock made fresh in the statement, protect nothing. A Condition made on a lock is
that lock."""
import threading

lock_a = threading.Lock()
lock_b = threading.Lock()
hits = 0
misses = 0
total = 0


def hit():
    global hits
    with lock_a:
        hits += 1                                           # ok


def hit_elsewhere():
    global hits
    with lock_b:
        hits += 1                                           # expect: GIL301


def miss():
    global misses
    with threading.Lock():
        misses += 1                                         # expect: GIL101


def add(n):
    global total
    with lock_a:
        total += n                                          # ok


class Queue(object):
    def __init__(self):
        self._lock = threading.Lock()
        self._not_empty = threading.Condition(self._lock)
        self._items = []

    def put(self, item):
        with self._not_empty:
            self._items.append(item)                        # ok
            self._not_empty.notify()

    def get(self):
        with self._lock:
            if self._items:
                return self._items.pop()                    # ok
        return None


def worker(q):
    hit()
    hit_elsewhere()
    miss()
    add(1)
    q.put(1)
    q.get()


if __name__ == "__main__":
    q = Queue()
    for _ in range(4):
        threading.Thread(target=worker, args=(q,)).start()
