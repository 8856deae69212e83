# gilcheck-scope: concurrent
"""Take-and-reset: a value is read into a local and its place reset in a second step; a store by
another thread in between is lost. A swap `a, b = b, a` of shared names is the same shape. Under
one lock with the producer, or through a queue, nothing is lost."""
import queue
import threading

primary = "db1"
standby = "db2"


class Mailbox(object):
    def __init__(self):
        self._lock = threading.Lock()
        self.pending = None
        self.latest = None
        self.timer = None
        self.inbox = queue.Queue()

    def put(self, item):
        self.pending = item

    def take(self):
        item = self.pending
        self.pending = None                                     # expect: GIL107
        return item

    def put_latest(self, item):
        with self._lock:
            self.latest = item

    def take_latest(self):
        with self._lock:
            item = self.latest
            self.latest = None                                  # ok
        return item

    def stop(self):
        t = self.timer
        self.timer = None                                       # ok
        if t:
            t.cancel()

    def get(self):
        return self.inbox.get()                                 # ok


def fail_over():
    global primary, standby
    primary, standby = standby, primary                         # expect: GIL107


def rotate(pair):
    first, second = pair
    second, first = first, second                               # ok
    return first, second


box = Mailbox()
for work in (box.put, box.take, box.put_latest, box.take_latest, box.stop, box.get, fail_over,
             rotate):
    threading.Thread(target=work, args=(1,)).start()


class Keepalive(object):
    def __init__(self):
        self._lock = threading.Lock()
        self._last_out = 0.0

    def sent(self, now):
        with self._lock:
            self._last_out = now

    def idle_for(self, now):
        last = self._last_out
        self._last_out = now                                    # ok
        return now - last


keepalive = Keepalive()
for work in (keepalive.sent, keepalive.idle_for):
    threading.Thread(target=work, args=(1.0,)).start()
