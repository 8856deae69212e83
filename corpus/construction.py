# gilcheck-scope: concurrent
"""Construction is not sharing: __init__ and the helpers only __init__ calls write state no other
thread can see yet. Once `self` is handed to a thread, its writes are shared."""
import threading


class Session(object):  # gilcheck: thread-safe
    def __init__(self, user):
        self._lock = threading.Lock()
        self.user = user
        self.requests = 0
        self._setup()
        self.requests += 1                                  # ok

    def _setup(self):
        """Only __init__ calls it."""
        self.history = []
        self.retries = 0
        self.retries += 1                                   # ok

    def touch(self):
        with self._lock:
            self.requests += 1                              # ok


class Poller(object):
    def __init__(self):
        self.ticks = 0
        self.ticks += 1                                     # ok
        threading.Thread(target=self._run).start()
        self.ticks += 1                                     # expect: GIL103

    def _run(self):
        self.ticks += 1                                     # ok: one race with line 31


def main():
    s = Session("u")
    s.touch()
    return Poller()


if __name__ == "__main__":
    main()
