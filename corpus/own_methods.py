# gilcheck-scope: concurrent
"""A class's own method named like a container's reader: `self.get(section, option)` of a
configuration class calls the class's get(), it reads no item of self."""
import threading


class Config:
    def __init__(self):
        self._lock = threading.Lock()
        self._data = {}

    def get(self, section, option, default=None):
        with self._lock:
            return self._data.get(section, {}).get(option, default)

    def set(self, section, option, value):
        base = self.get(section, option, {})
        base["x"] = base.get("x", 0) + 1                        # ok: get() is Config's own
        with self._lock:
            self._data.setdefault(section, {})[option] = base


class Registry(dict):
    """A dict subclass: self.get(k) is dict.get, the item itself."""

    def bump(self, k):
        entry = self.get(k)
        entry["n"] = entry.get("n", 0) + 1                      # expect: GIL104


CONF = Config()
REG = Registry()
for _ in range(2):
    threading.Thread(target=CONF.set, args=("a", "b", 1)).start()
    threading.Thread(target=REG.bump, args=("k",)).start()
