# gilcheck-scope: concurrent
"""One race, one finding: a thread's several unlocked writes into the same locked window (each
`except` branch storing the error) are reported once, at the first; so are one check's read and
delete of the same key."""
import threading


class Transport(threading.Thread):
    def __init__(self):
        threading.Thread.__init__(self)
        self.lock = threading.Lock()
        self.saved_exception = None
        self.pending = {}

    def get_exception(self):
        with self.lock:
            e = self.saved_exception
            self.saved_exception = None
            return e

    def run(self):
        try:
            self.work()
        except ValueError as e:
            self.saved_exception = e                            # expect: GIL301
        except Exception as e:
            self.saved_exception = e                            # ok

    def work(self):
        pass

    def expire(self, key):
        if key in self.pending:                                 # ok
            print(self.pending[key])                            # expect: GIL201
            del self.pending[key]                               # ok


cache = {}


def checkcache(names, stat):
    """One read of an entry, copied on two branches: one race, reported at the first copy."""
    for name in names:
        size = cache[name]
        if stat(name) is None:
            cache["last"] = size                                # expect: GIL105
            continue
        if size != stat(name):
            cache["last"] = size                                # ok


def fill(names):
    for name in names:
        cache[name] = len(name)


t = Transport()
t.start()
for _ in range(2):
    threading.Thread(target=t.expire, args=("k",)).start()
    threading.Thread(target=t.get_exception).start()
    threading.Thread(target=checkcache, args=(["a"], len)).start()
    threading.Thread(target=fill, args=(["a"],)).start()
