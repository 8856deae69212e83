# gilcheck-scope: concurrent
"""Every way a program takes a lock, and state that is written both with the lock and without it."""
import collections
import threading

balance = 0
balance_lock = threading.Lock()
events = ["start"]
events_lock = threading.RLock()
ledger = {}
ledger_lock = threading.Lock()
audit = []
audit_lock = threading.Lock()
slots = 0
slots_sem = threading.Semaphore()
tickets = 0
tickets_gate = threading.BoundedSemaphore(1)
opened = 0


def deposit(amount):
    global balance
    with balance_lock:
        balance += amount                                   # ok


def withdraw(amount):
    global balance
    balance_lock.acquire()
    try:
        balance -= amount                                   # ok
    finally:
        balance_lock.release()


def add_interest(rate):
    global balance
    balance_lock.acquire()
    balance = balance + balance * rate                      # ok
    balance_lock.release()


def refund(amount):
    global balance
    balance += amount                                       # expect: GIL101


def refund_later(amount):
    global balance
    with balance_lock:
        current = balance                                   # ok
    balance = current + amount                              # expect: GIL101


def log_event(kind):
    with events_lock:
        events.append(kind)                                 # ok


def repeat_last_event():
    with events_lock:
        events.append(events[-1])                           # ok
        log_event("repeat")                                 # ok


def transfer(src, dst, amount):
    with ledger_lock:
        ledger[src] = ledger.get(src, 0) - amount           # ok
        ledger[dst] = ledger.get(dst, 0) + amount           # ok
        with audit_lock:
            audit.append((src, dst, amount))                # ok


def correct(account, amount):
    with ledger_lock, audit_lock:
        ledger[account] += amount                           # ok
        audit.append((account, account, amount))            # ok


def take_slot():
    global slots
    with slots_sem:
        slots += 1                                          # ok


def take_ticket():
    global tickets
    tickets_gate.acquire()
    try:
        tickets = tickets + 1                               # ok
    finally:
        tickets_gate.release()


def open_files(lock, paths):
    """The lock comes in as an argument: its name says what it is."""
    global opened
    for path in paths:
        with lock:
            opened += 1                                     # ok
        with open(path):
            pass


class Buffer(object):  # gilcheck: thread-safe
    """A bounded buffer on a Condition: put and get wait for each other."""

    def __init__(self, capacity):
        self._items = collections.deque()
        self._capacity = capacity
        self._cond = threading.Condition()
        self.dropped = 0

    def put(self, item):
        with self._cond:
            while len(self._items) >= self._capacity:
                self._cond.wait()
            self._items.append(item)                        # ok
            self._cond.notify()

    def get(self):
        with self._cond:
            while not self._items:
                self._cond.wait()
            item = self._items.popleft()                    # ok
            self._cond.notify()
            return item

    def get_nowait(self):
        if self._items:
            return self._items.popleft()                    # expect: GIL201
        return None

    def offer(self, item):
        if len(self._items) >= self._capacity:
            self.dropped += 1                               # expect: GIL103
            return False
        self.put(item)                                      # ok
        return True


class Stats(object):
    """Takes its lock from the caller; `_mutex` names it."""

    def __init__(self, mutex):
        self._mutex = mutex
        self.count = 0
        self.total = 0.0

    def add(self, value):
        with self._mutex:
            self.count += 1                                 # ok
            self.total += value                             # ok

    def add_fast(self, value):
        self.count += 1                                     # expect: GIL103
        self.total = self.total + value                     # expect: GIL103

    def mean(self):
        with self._mutex:
            return self.total / max(self.count, 1)          # ok


class Account(object):  # gilcheck: thread-safe
    def __init__(self):
        self._lock = threading.RLock()
        self.balance = 0
        self.history = []

    def deposit(self, amount):
        with self._lock:
            self.balance += amount                          # ok
            self.history.append(amount)                     # ok

    def deposit_all(self, amounts):
        with self._lock:
            for amount in amounts:
                self.deposit(amount)                        # ok
            self.balance -= 1                               # ok

    def withdraw(self, amount):
        self.balance -= amount                              # expect: GIL103
        self.history.append(-amount)                        # ok


if __name__ == "__main__":
    files_lock = threading.Lock()
    buf = Buffer(10)
    stats = Stats(threading.Lock())
    threads = [
        threading.Thread(target=deposit, args=(10,)),
        threading.Thread(target=withdraw, args=(5,)),
        threading.Thread(target=refund, args=(1,)),
        threading.Thread(target=open_files, args=(files_lock, ["a.txt"])),
        threading.Thread(target=buf.put, args=(1,)),
        threading.Thread(target=stats.add, args=(2.0,)),
    ]
    for t in threads:
        t.start()
