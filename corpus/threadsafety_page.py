# gilcheck-scope: concurrent
"""The examples of the "Thread Safety Guarantees" page written for free-threaded CPython
(Doc/library/threadsafety.rst): the single operations it calls safe, the combinations it calls
not atomic, and the fixes it documents."""
import threading

lst = [0, 0, 0, 0]
other = [9]
d = {"k": 0}
other_d = {"z": 1}
s = set()
cache = {}
tally = [0, 0, 0, 0]
seen = set()
lock = threading.Lock()


def single_operations(i, k, x, e):
    """Each of these is one operation on one object: atomic, or safe under the object's lock."""
    item = lst[i]                                           # ok
    lst.append(x)                                           # ok
    last = lst.pop()                                        # ok
    copy = lst.copy()                                       # ok
    joined = lst + other                                    # ok
    lst[i] = x                                              # ok
    value = d.get(k)                                        # ok
    present = k in d                                        # ok
    d[k] = x                                                # ok
    d.setdefault(k, x)                                      # ok
    d.update(other_d)                                       # ok
    s.add(e)                                                # ok
    s.discard(e)                                            # ok
    return item, last, copy, joined, value, present, len(d), len(s)


def not_atomic(i, k, e):
    """The page's examples of sequences that are not atomic."""
    lst[i] = lst[i] + 1                                     # expect: GIL104
    if lst:
        lst.pop()                                           # expect: GIL201
    d[k] = d[k] + 1                                         # expect: GIL104
    if k in d:
        del d[k]                                            # expect: GIL201
    if e in s:
        s.remove(e)                                         # expect: GIL201


def documented_fixes(i, k, e):
    """The fixes the page suggests: one operation instead of two, a copy, or a lock."""
    d.pop(k, None)                                          # ok
    try:
        del cache[k]                                        # ok
    except KeyError:
        pass
    for key in list(cache):                                 # ok
        cache.pop(key, None)                                # ok
    with lock:
        tally[i] = tally[i] + 1                             # ok
        if e in seen:
            seen.remove(e)                                  # ok


if __name__ == "__main__":
    for n in range(4):
        threading.Thread(target=single_operations, args=(n, "k", n, n)).start()
        threading.Thread(target=not_atomic, args=(n, "k", n)).start()
        threading.Thread(target=documented_fixes, args=(n, "k", n)).start()
