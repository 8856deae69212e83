# gilcheck-scope: concurrent
"""Code that runs before a thread exists, or alone in a fresh child process, does not race with
it: writes before Thread.start(), after-fork handlers, multiprocessing children."""
import multiprocessing
import os
import threading

config = {}
served = 0
children = 0


def serve():
    global served
    served += 1                                             # expect: GIL101


def reset_in_child():
    """Runs alone in the child after a fork."""
    global served
    served = 0                                              # ok
    config.clear()                                          # ok


def child_main(n):
    """Runs in another process: no memory shared with this one."""
    global children
    children += n                                           # ok


def start():
    global served
    served = 0                                              # ok
    config["mode"] = "fast"                                 # ok
    t = threading.Thread(target=serve)
    t.start()
    served = served + 100                                   # expect: GIL101
    return t


class Sharer(object):
    """A thread serves requests from a cache; stop() joins it before it empties the cache."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cache = {}
        self._thread = None
        self._served = 0

    def register(self, key, value):
        with self._lock:
            self._cache[key] = value

    def _start(self):
        t = threading.Thread(target=self._serve)
        t.start()
        self._thread = t

    def _serve(self):
        self._cache.pop("k")
        self._served += 1                                   # expect: GIL103

    def stop(self):
        with self._lock:
            self._thread.join()
            for key in self._cache:                         # ok
                print(key)
            self._cache.clear()

    def count(self):
        self._served = 0


class Broker(threading.Thread):
    """A Thread subclass with a start() of its own: what it resets before `super().start()` is
    reset before run() begins; what it resets after may land inside run()'s update."""

    def __init__(self):
        threading.Thread.__init__(self)
        self.ticks = 0
        self.drops = 0

    def start(self):
        self.ticks = 0
        super().start()
        self.drops = 0

    def run(self):
        while True:
            self.ticks += 1                                     # ok: start()'s reset is before
            self.drops += 1                                     # expect: GIL103


class Relay(threading.Thread):
    """The same, handing over with `threading.Thread.start(self)`."""

    def __init__(self):
        threading.Thread.__init__(self)
        self.sent = 0

    def start(self):
        self.sent = 0
        threading.Thread.start(self)

    def run(self):
        while True:
            self.sent += 1                                      # ok: start()'s reset is before


if __name__ == "__main__":
    os.register_at_fork(after_in_child=reset_in_child)
    multiprocessing.Process(target=child_main, args=(1,)).start()
    start()
    threading.Thread(target=serve).start()
    sharer = Sharer()
    sharer._start()
    sharer.register("k", 1)
    threading.Thread(target=sharer.count).start()
    sharer.stop()
    Broker().start()
    Relay().start()
