# gilcheck-scope: concurrent
"""A Thread subclass that calls, in its run(), a callable given to its constructor (a timer class
of the project's own) runs that callable in its thread: each construction starts it, also
through a factory function that passes its arguments on as they are.  A callable the subclass
only keeps, for its owner to call, runs in no thread of its own."""
import threading


class ResettableAlarm(threading.Thread):
    def __init__(self, interval, function, on_done=None):
        threading.Thread.__init__(self)
        self.interval = interval
        self.function = function
        self.on_done = on_done
        self.finished = threading.Event()

    def run(self):
        self.finished.wait(self.interval)
        if not self.finished.is_set():
            self.function()


def alarm(*args, **kwargs):
    return ResettableAlarm(*args, **kwargs)


class Sessions(object):
    def __init__(self):
        self.sessions = {}
        self.closed = 0

    def open(self, sid):
        self.sessions[sid] = True
        ResettableAlarm(5.0, self._expire, on_done=self._count_close).start()

    def _expire(self):
        self.sessions.clear()

    def _count_close(self):
        self.closed = self.closed + 1                           # ok: no thread calls it

    def list(self):
        for sid in self.sessions:                               # expect: GIL106
            print(sid)

    def close_one(self):
        self._count_close()


class Cache(object):
    def __init__(self):
        self.entries = {}

    def put(self, k, v):
        self.entries[k] = v
        alarm(60.0, self._purge).start()

    def _purge(self):
        self.entries.clear()

    def dump(self):
        for k in self.entries:                                  # expect: GIL106
            print(k)
