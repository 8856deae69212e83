# gilcheck-scope: all
"""The code of scope_concurrent.py checked with --scope all: every function is reported, even
though nothing here starts a thread or takes a lock. Module code and class bodies still are not."""
import threading

calls = 0
cache = {}
history = [0]
_default = None


class Counter(object):
    total = 0

    def __init__(self):
        self.n = 0

    def bump(self):
        self.n += 1                                         # expect: GIL103
        Counter.total = Counter.total + 1                   # expect: GIL103
        return self.n


def note(name):
    global calls
    calls += 1                                              # expect: GIL101
    cache[name] = cache.get(name, 0) + 1                    # expect: GIL104
    history.append(history[-1] + 1)                         # expect: GIL105
    last = history[-1]                                      # ok
    seen = {}
    seen[name] = seen.get(name, 0) + 1                      # ok
    return last, seen


def forget(name):
    if name in cache:
        del cache[name]                                     # expect: GIL201


def make_tracker():
    hits = 0

    def track():
        nonlocal hits
        hits += 1                                           # expect: GIL102
        return hits

    return track


def default_counter():
    global _default
    if _default is None:
        _default = Counter()                                # expect: GIL202
    return _default


DEBUG = False


class Settings(object):
    retries = 3
    if DEBUG:
        retries += 2                                        # ok
    limits = {"requests": 100}
    limits["requests"] = limits["requests"] * 2             # ok


_local = threading.local()


def per_thread():
    _local.depth = getattr(_local, "depth", 0) + 1          # ok
    counter = Counter()
    counter.n += 1                                          # ok
    total = 0
    for k in history:
        total += k                                          # ok
    return total


calls += 1                                                  # ok
for _name in ("a", "b"):
    cache[_name] = cache.get(_name, 0) + 1                  # ok
history.append(history[-1])                                 # ok
if "a" in cache:
    del cache["a"]                                          # ok
if _default is None:
    _default = Counter()                                    # ok
