# gilcheck-scope: concurrent
"""An in-place operator on a list, dict or set (`L += x`, `s |= t`) changes the object itself
and stores the same object back: another thread's append, add or item store in between is kept,
as the atomicity table says ("safe").  Only another thread's store of a different object in
between -- a reset to a new list -- is undone, and on an int or a str the operator makes a new
object, so another thread's update is lost."""
import threading

log = []
seen = set()
count = 0


def collect(batch):
    global log, seen, count
    log += batch                                                # ok: in place, nothing lost
    seen |= set(batch)                                          # ok: in place, nothing lost
    count += len(batch)                                         # expect: GIL101
    log.append(None)


class Inbox(object):
    def __init__(self):
        self.items = []
        self.tags = set()
        self.total = 0
        self.reader = threading.Thread(target=self.pump)
        self.reader.start()

    def pump(self):
        while True:
            self.items.append(1)
            self.tags = set()
            self.total = 0

    def add(self, batch):
        self.items += batch                                     # ok: append() keeps its item
        self.tags |= set(batch)                                 # expect: GIL103
        self.total += len(batch)                                # expect: GIL103


for _ in range(2):
    threading.Thread(target=collect, args=([1, 2],)).start()
