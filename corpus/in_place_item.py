# gilcheck-scope: concurrent
"""An augmented operator on an item that is a built-in container (`D[k]['oids'] -= gone` where
every store of that item in the file is a new set) changes the set in place and stores the
same set back: two threads running it lose nothing.  Reported still: an item that is a number
(`+=` makes a new object), an item the file never shows being made, and a store of a new
container that can land between the read and the write-back."""
import threading

OBJECTS = {}
COUNTS = {}
FOREIGN = {}
RESET = {}


def add_target(target):
    if target not in OBJECTS:
        OBJECTS[target] = {}
        OBJECTS[target]["oids"] = set()
        COUNTS[target] = {}
        COUNTS[target]["pings"] = 0
        RESET[target] = {}
        RESET[target]["oids"] = set()


def ping(target, gone, added):
    OBJECTS[target]["oids"] -= gone                             # ok: the same set stored back
    OBJECTS[target]["oids"] |= added                            # ok: the same set stored back
    COUNTS[target]["pings"] += 1                                # expect: GIL104
    FOREIGN[target]["oids"] |= added                            # expect: GIL104
    RESET[target]["oids"] |= added                              # expect: GIL104


def forget(target):
    RESET[target]["oids"] = set()


def start(targets):
    for target in targets:
        add_target(target)
    for target in targets:
        threading.Thread(target=ping, args=(target, set(), set())).start()
        threading.Thread(target=forget, args=(target,)).start()
