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


class ConnectionLock(object):
    """A lock whose methods return context managers that take it (oslo.messaging's
    ConnectionLock.for_heartbeat()): `with self._connection_lock.for_heartbeat():` holds
    self._connection_lock.  A method of an object that is not a lock holds nothing."""

    def __init__(self):
        self._lock = threading.Lock()

    def __enter__(self):
        self._lock.acquire()

    def __exit__(self, *exc):
        self._lock.release()

    def for_heartbeat(self):
        return self


class Connection(object):
    def __init__(self, pool):
        self._connection_lock = ConnectionLock()
        self._pool = pool
        self._consumers = {}
        self._thread = threading.Thread(target=self._heartbeat)
        self._thread.start()

    def _heartbeat(self):
        while True:
            with self._connection_lock.for_heartbeat():
                for c in self._consumers:                       # ok: the same lock as reset()
                    print(c)
            with self._pool.connection():
                for c in self._consumers:                       # expect: GIL106
                    print(c)

    def reset(self):
        with self._connection_lock:
            self._consumers.clear()
