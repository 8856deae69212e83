# gilcheck-scope: concurrent
"""The idioms the documentation recommends for shared dicts and sets work whether or not another
thread got there first: setdefault, pop(k, None), discard, get-then-setdefault, and try/except
KeyError around one operation. None of them is a finding; the check-then-act they replace is."""
import threading

cache = {}
members = set()
sessions = {}


def make(key):
    return [key]


def get_entry(key):
    entry = cache.get(key)                                      # ok
    if entry is None:                                           # ok
        entry = cache.setdefault(key, make(key))                # ok
    return entry


def forget(key):
    cache.pop(key, None)                                        # ok


def leave(name):
    members.discard(name)                                       # ok


def close_session(sid):
    try:
        del sessions[sid]                                       # ok
    except KeyError:
        pass


def lookup_session(sid):
    try:
        return sessions[sid]                                    # ok
    except KeyError:
        return None


def open_session(sid):
    sessions.setdefault(sid, make(sid))                         # ok


def get_entry_racy(key):
    if key not in cache:                                        # ok
        cache[key] = make(key)                                  # expect: GIL204
    return cache[key]


def leave_racy(name):
    if name in members:                                         # ok
        members.remove(name)                                    # expect: GIL201


for work in (get_entry, forget, leave, close_session, lookup_session, open_session,
             get_entry_racy, leave_racy):
    threading.Thread(target=work, args=("k",)).start()
