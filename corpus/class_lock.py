# gilcheck-scope: concurrent
"""A class-level lock guarding a class-level cache says nothing about the instances: their own
state is not in scope. The class-level state itself is."""
import threading


class Handler(object):
    _cache_lock = threading.Lock()
    _templates = {}
    _hits = 0

    def __init__(self, name):
        self.name = name
        self.calls = 0

    def render(self, key):
        self.calls += 1                                     # ok
        with Handler._cache_lock:
            if key not in Handler._templates:
                Handler._templates[key] = "<%s>" % key      # ok
            return Handler._templates[key]                  # ok

    def count_hit(self):
        Handler._hits += 1                                  # expect: GIL103

    def forget(self, key):
        with Handler._cache_lock:
            Handler._templates.pop(key, None)               # ok


def serve(key):
    h = Handler("x")
    h.render(key)
    h.count_hit()


if __name__ == "__main__":
    for k in ("a", "b"):
        threading.Thread(target=serve, args=(k,)).start()
