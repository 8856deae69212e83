# gilcheck-scope: concurrent
"""A branch under `if section is not None:` runs only when the caller passed a section.  When
the call that reaches the function passes nothing for a parameter whose default is None, what
that branch changes cannot race with the thread that made the call.  Reported still: a caller
that passes the parameter by position (a constant too) or by keyword, a call that unpacks its
arguments, and a default that is not None."""
import threading

FORGET = {}
DROP = {}
BYNAME = {}
UNPACKED = {}
CONSTANT = {}
EMPTY = {}


def forget(observer, section=None):
    sections = FORGET[observer]
    if section is not None:
        sections.pop(section)
    else:
        for name in sections:                                   # ok: no call passes a section
            print(name)


def forget_worker(observer):
    forget(observer)


def drop(observer, section=None):
    sections = DROP[observer]
    if section is not None:
        sections.pop(section)
    else:
        for name in sections:                                   # expect: GIL106
            print(name)


def drop_worker(observer, section):
    drop(observer)
    drop(observer, section)


def by_name(observer, section=None):
    sections = BYNAME[observer]
    if section:
        sections.pop(section)
    else:
        for name in sections:                                   # expect: GIL106
            print(name)


def by_name_worker(observer, section):
    by_name(observer)
    by_name(observer, section=section)


def unpacked(observer, section=None):
    sections = UNPACKED[observer]
    if section is not None:
        sections.pop(section)
    else:
        for name in sections:                                   # expect: GIL106
            print(name)


def unpacked_worker(*args):
    unpacked(args[0])
    unpacked(*args)


def constant(observer, section=None):
    sections = CONSTANT[observer]
    if section is not None:
        sections.pop(section)
    else:
        for name in sections:                                   # expect: GIL106
            print(name)


def constant_worker(observer):
    constant(observer)
    constant(observer, "all")


def empty(observer, section=""):
    sections = EMPTY[observer]
    if section is not None:
        sections.pop(section)
    else:
        for name in sections:                                   # expect: GIL106
            print(name)


def empty_worker(observer):
    empty(observer)


def start():
    for i in range(4):
        threading.Thread(target=forget_worker, args=(i,)).start()
        threading.Thread(target=drop_worker, args=(i, "a")).start()
        threading.Thread(target=by_name_worker, args=(i, "a")).start()
        threading.Thread(target=unpacked_worker, args=(i, "a")).start()
        threading.Thread(target=constant_worker, args=(i,)).start()
        threading.Thread(target=empty_worker, args=(i,)).start()
