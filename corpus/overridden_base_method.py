# gilcheck-scope: concurrent
"""A method a subclass overrides, without calling it through super(), never runs on the
subclass's objects: the base's `shutdown` iterating the thread set cannot meet what the
subclass's own threads do to that set (a vendored executor and the subclass that runs it).
The subclass's threads still race with a base method it inherits."""
import threading


class BasePool(object):
    def __init__(self):
        self._shutdown_lock = threading.Lock()
        self._threads = set()
        self._stats = {}
        self._names = {}

    def submit(self, fn):
        with self._shutdown_lock:
            self._adjust_thread_count(fn)

    def _adjust_thread_count(self, fn):
        t = threading.Thread(target=fn)
        t.start()
        self._threads.add(t)

    def shutdown(self):
        with self._shutdown_lock:
            pass
        for t in self._threads:                             # ok: RejoinPool overrides shutdown
            t.join()

    def report(self):
        for name in self._stats:                            # expect: GIL106
            print(name)

    def describe(self):
        for name in self._names:                            # expect: GIL106
            print(name)


def _worker(executor):
    with executor._rejoin_lock:
        executor._threads.add(threading.current_thread())
        executor._threads.discard(threading.current_thread())
    executor._stats[threading.current_thread().name] = 1


class RejoinPool(BasePool):
    def __init__(self):
        super().__init__()
        self._rejoin_lock = threading.Lock()

    def _adjust_thread_count(self, fn):
        t = threading.Thread(target=_worker, args=(self,))
        self._threads.add(t)
        t.start()

    def shutdown(self):
        with self._rejoin_lock:
            for t in list(self._threads):
                t.join()


class CountingPool(BasePool):
    """An override that runs the base's method through super(): it runs on these objects."""

    def __init__(self):
        super().__init__()
        self._rejoin_lock = threading.Lock()
        self._names = {}

    def _adjust_thread_count(self, fn):
        t = threading.Thread(target=_count_worker, args=(self,))
        self._threads.add(t)
        t.start()

    def describe(self):
        return super().describe()


def _count_worker(pool):
    pool._names[threading.current_thread().name] = 1


class NamedPool(BasePool):
    def describe(self):
        return "named"
