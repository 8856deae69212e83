# gilcheck-scope: concurrent
"""A read of D[k] that found the key is a check: `entry = D[k]` then `del D[k]` lets two threads
read the entry and both delete it, and the second `del` raises KeyError (linecache.checkcache
before 3.7, bpo-25872; fixed with `cache.pop(filename, None)`).  Not a race: `pop(k, None)`, a
delete whose KeyError is caught, both steps under one lock."""
import os
import threading

cache = {}
locked_cache = {}
cache_lock = threading.Lock()


def check_stale(name):
    entry = cache[name]
    size, mtime = entry
    try:
        st = os.stat(name)
    except OSError:
        del cache[name]                                         # expect: GIL201
        return
    if size != st.st_size:
        del cache[name]                                         # ok: the same read, one race


def check_stale_pop(name):
    entry = cache[name]
    if entry[0] != os.stat(name).st_size:
        cache.pop(name, None)                                   # ok


def check_stale_caught(name):
    entry = cache[name]
    if entry[0] != os.stat(name).st_size:
        try:
            del cache[name]                                     # ok
        except KeyError:
            pass


def check_stale_locked(name):
    with cache_lock:
        entry = locked_cache[name]
        if entry[0] != os.stat(name).st_size:
            del locked_cache[name]                              # ok


def forget_locked(name):
    with cache_lock:
        locked_cache.pop(name, None)


def check_stale_caught_among(name):
    entry = cache[name]
    if entry[0] != os.stat(name).st_size:
        try:
            del cache[name]                                     # ok
        except (RuntimeError, KeyError):
            pass


def check_stale_wrong_handlers(name):
    entry = cache[name]
    try:
        del cache[name]                                         # expect: GIL201
    except (OSError, ValueError):
        print(entry)


def check_stale_wrong_handler(name):
    entry = cache[name]
    try:
        del cache[name]                                         # expect: GIL201
    except OSError:
        print(entry)


for work in (check_stale, check_stale_pop, check_stale_caught, check_stale_locked,
             forget_locked, check_stale_wrong_handler, check_stale_caught_among,
             check_stale_wrong_handlers):
    threading.Thread(target=work, args=("a",)).start()
