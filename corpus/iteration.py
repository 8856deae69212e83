# gilcheck-scope: concurrent
"""Iterating a shared dict, set or deque while another thread adds or removes items raises
RuntimeError ("changed size during iteration"); a list skips or repeats items. Copies made in
one C call -- list(d), sorted(d), d.copy(), tuple(s) -- are not interrupted (measured on 3.6-3.13:
tools/iteration_probe.py), and iterating a private copy is fine."""
import threading


class Jar(object):
    def __init__(self):
        self._lock = threading.Lock()
        self._cookies = {}
        self._names = set()
        self._log = []
        self._pending = []

    def add(self, name, value):
        with self._lock:
            self._cookies[name] = value
            self._names.add(name)
            self._log.append(name)
            self._pending.append(name)

    def clear(self):
        self._cookies.clear()                                   # expect: GIL301

    def header(self):
        with self._lock:
            return "; ".join(k + "=" + v for k, v in self._cookies.items())    # ok

    def names(self):
        return [n for n in self._names]                         # expect: GIL106

    def dump(self):
        for name in self._log:                                  # ok
            print(name)

    def snapshot(self):
        return sorted(self._cookies)                            # ok

    def copy_names(self):
        return list(self._names)                                # ok

    def private(self):
        mine = dict(self._cookies)
        for k in mine:                                          # ok
            print(k)

    def flush(self):
        with self._lock:
            taken = self._cookies
            self._cookies = {}
        for name in taken:                                      # ok
            print(name)

    def send(self):
        for name in self._pending:                              # expect: GIL106
            print(name)

    def done(self, name):
        with self._lock:
            self._pending.remove(name)


jar = Jar()
for work in (jar.add, jar.clear, jar.header, jar.names, jar.dump, jar.snapshot, jar.copy_names,
             jar.private, jar.send, jar.done, jar.flush):
    threading.Thread(target=work, args=("a", "b")).start()
