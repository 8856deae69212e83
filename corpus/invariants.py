# gilcheck-scope: concurrent
"""GIL301 reports an unlocked write that can land inside a window another function holds a lock
across: between its check and its act, its read and its write, or over its iteration. A single
atomic operation that breaks no such window is not reported, however the state is locked
elsewhere."""
import threading
import time


class Memo(object):
    def __init__(self):
        self._lock = threading.Lock()
        self._memo = {}
        self._stamp = 0.0
        self._hits = 0
        self._seen = {}

    def lookup(self, key):
        with self._lock:
            if key in self._memo:
                return self._memo[key]
            value = self._memo[key] = len(key)
            return value

    def evict(self, key):
        self._memo.pop(key)                                     # expect: GIL301

    def touch(self):
        with self._lock:
            self._stamp = time.time()

    def stamp(self):
        self._stamp = time.time()                               # ok

    def record(self, key):
        with self._lock:
            self._seen[key] = True

    def forget(self, key):
        self._seen.pop(key, None)                               # ok

    def hit(self):
        with self._lock:
            self._hits += 1

    def reset_hits(self):
        self._hits = 0                                          # expect: GIL301


memo = Memo()
for work in (memo.lookup, memo.evict, memo.touch, memo.stamp, memo.record, memo.forget, memo.hit,
             memo.reset_hits):
    threading.Thread(target=work, args=("k",)).start()
