# gilcheck-scope: concurrent
"""A receiver is a container when the code says so: a literal, a constructor of dict, list, set,
deque, OrderedDict, defaultdict, Counter or a weak dictionary, assigned in __init__ or at module
level. `update`, `clear`, `get` and `pop` called on anything else (a hash, a context variable,
an object of unknown type) are not container operations."""
import collections
import contextvars
import hashlib
import threading
import weakref

request_id = contextvars.ContextVar("request_id")
registry = weakref.WeakValueDictionary()
counts = collections.Counter()
pending = collections.OrderedDict()


class Digest(object):
    def __init__(self, key):
        self.h = hashlib.sha256()
        self.key = key
        self.parts = collections.defaultdict(list)

    def feed(self, data):
        if data:                                                # ok
            self.h.update(data)                                 # ok

    def reset(self):
        if self.h:                                              # ok
            self.h = hashlib.sha256()                           # ok

    def note(self, k):
        if k not in self.parts:                                 # ok
            self.parts[k] = []                                  # expect: GIL201

    def drop(self, k):
        self.parts.pop(k, None)                                 # ok


class Settings(dict):
    def lookup(self, key):
        if key in self:                                         # ok
            return dict.get(self, key)                          # ok
        return None

    def wipe(self):
        if self:                                                # ok
            self.clear()                                        # ok


def current():
    value = request_id.get({})                                  # ok
    if value:                                                   # ok
        request_id.set(None)                                    # ok
    return value


def remember(name, obj):
    if name not in registry:                                    # ok
        registry[name] = obj                                    # expect: GIL201


def bump(word):
    counts[word] = counts[word] + 1                             # expect: GIL104


def take_oldest():
    if pending:                                                 # ok
        return pending.popitem(last=False)                      # expect: GIL201
    return None


def drop(name):
    registry.pop(name, None)                                    # ok


digest = Digest(b"k")
settings = Settings()
for work in (digest.feed, digest.reset, digest.note, digest.drop, settings.lookup, settings.wipe,
             current, remember, bump, take_oldest, drop):
    threading.Thread(target=work, args=("x",)).start()
