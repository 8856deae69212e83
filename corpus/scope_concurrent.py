# gilcheck-scope: concurrent
"""A single-threaded helper module: it starts no threads and takes no locks, so in the default
scope nothing here is concurrent and nothing is reported. scope_all.py is the same code checked
with --scope all, where every function counts."""

calls = 0
cache = {}
history = [0]
_default = None


class Counter(object):
    total = 0

    def __init__(self):
        self.n = 0

    def bump(self):
        self.n += 1                                         # ok
        Counter.total = Counter.total + 1                   # ok
        return self.n


def note(name):
    global calls
    calls += 1                                              # ok
    cache[name] = cache.get(name, 0) + 1                    # ok
    history.append(history[-1] + 1)                         # ok
    last = history[-1]                                      # ok
    seen = {}
    seen[name] = seen.get(name, 0) + 1                      # ok
    return last, seen


def forget(name):
    if name in cache:
        del cache[name]                                     # ok


def make_tracker():
    hits = 0

    def track():
        nonlocal hits
        hits += 1                                           # ok
        return hits

    return track


def default_counter():
    global _default
    if _default is None:
        _default = Counter()                                # ok
    return _default
