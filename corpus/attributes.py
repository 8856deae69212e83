# gilcheck-scope: concurrent
"""Counters kept on objects: on instances, on classes, at the end of a chain of attributes."""
import threading
from concurrent.futures import ThreadPoolExecutor


class Metrics(object):
    def __init__(self):
        self.pending = 0
        self.done = 0


class App(object):
    def __init__(self):
        self.metrics = Metrics()
        self.name = "app"


app = App()
_request = threading.local()


class Cache(object):  # gilcheck: thread-safe
    """A cache that takes its lock for the data and the hit counters, but not for everything."""

    instances = 0

    def __init__(self, loader):
        self._lock = threading.Lock()
        self._data = {}
        self._loader = loader
        self.hits = 0                               # ok
        self.misses = 0                             # ok
        self.skips = 0                              # ok
        self.last_key = None                        # ok
        Cache.instances += 1                        # expect: GIL103

    def get(self, key):
        with self._lock:
            if key in self._data:
                self.hits += 1                      # ok
                return self._data[key]              # ok
            value = self._loader(key)
            self._data[key] = value                 # ok
            self.misses = self.misses + 1           # ok
        self.last_key = key                         # ok
        return value

    def skip(self):
        self.skips += 1                             # expect: GIL103

    def hit_rate(self):
        looked_up = self.hits + self.misses         # ok
        self.ratio = self.hits / float(looked_up or 1)  # ok
        return self.ratio

    def reset_counters(self):
        self.hits = 0                               # expect: GIL301
        self.misses = 0                             # expect: GIL301


class Pool(object):
    """Counts its connections on the class, shared by every instance."""

    created = 0

    def __init__(self, size):
        self._lock = threading.Lock()
        self._free = list(range(size))

    @classmethod
    def note_created(cls):
        # a class that only uses a lock, with no thread in sight and not declared thread-safe
        cls.created = cls.created + 1               # ok

    def acquire(self):
        with self._lock:
            return self._free.pop()                 # ok


class Tally(object):
    def __init__(self):
        self.n = 0


def start_job():
    app.metrics.pending += 1                        # expect: GIL103
    m = app.metrics
    m.done -= 1                                     # expect: GIL103
    app.name = "busy"                               # ok


def finish_job():
    app.metrics.pending -= 1                        # expect: GIL103
    app.metrics.done = app.metrics.done + 1         # expect: GIL103


def count_evens(numbers):
    t = Tally()
    for k in numbers:
        if k % 2 == 0:
            t.n += 1                                # ok
    return t.n


def enter_request():
    _request.depth = getattr(_request, "depth", 0) + 1  # ok
    _request.calls = 0                              # ok
    _request.calls += 1                             # ok


if __name__ == "__main__":
    with ThreadPoolExecutor(max_workers=4) as ex:
        for _ in range(8):
            ex.submit(start_job)
            ex.submit(finish_job)
            ex.submit(enter_request)
        print(list(ex.map(count_evens, [[1, 2], [3, 4, 6]])))
