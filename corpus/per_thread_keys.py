# gilcheck-scope: concurrent
"""State kept per thread under the thread's own identity (`D[threading.get_ident()]`) is never
reached by another thread: two threads have two keys.  The same dict under a key any caller
chooses is shared."""
import threading
from threading import get_ident


class Tracker(object):
    def __init__(self):
        self._lock = threading.Lock()
        self._stacks = {}
        self._calls = {}
        self._named = {}

    def reset(self):
        with self._lock:
            self._named.clear()

    def enter(self, name):
        tid = get_ident()
        if tid not in self._stacks:
            self._stacks[tid] = []                              # ok: this thread's key
        self._stacks[tid].append(name)
        me = threading.get_ident()
        self._calls[me] = self._calls.get(me, 0) + 1            # ok: this thread's key
        if name not in self._named:
            self._named[name] = []                              # expect: GIL201

    def start(self):
        for _ in range(4):
            threading.Thread(target=self.enter, args=("job",)).start()
