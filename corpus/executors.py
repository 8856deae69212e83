# gilcheck-scope: concurrent
"""An executor runs the tasks submitted to it on several workers at once: a task submitted once
per request, from a handler that an accept loop calls, races with itself, even on the state of
the object whose method it is."""
from concurrent.futures import ThreadPoolExecutor

from rx import operators as ops


class Worker(object):
    def __init__(self):
        self.tpool = ThreadPoolExecutor(max_workers=8)
        self.nr = 0

    def accept(self, conn):
        self.tpool.submit(self.handle, conn)

    def handle(self, conn):
        self.nr += 1                                            # expect: GIL103
        return conn


def serve(conns):
    w = Worker()
    for c in conns:
        w.accept(c)


if __name__ == "__main__":
    serve([1, 2, 3])


class Output(object):
    """A pool of one worker runs its tasks one after another, from whichever method submits
    them; a pool of several runs them at once."""

    def __init__(self):
        self.error_pool = ThreadPoolExecutor(max_workers=1)
        self.work_pool = ThreadPoolExecutor(max_workers=4)
        self.errors = 0
        self.done = 0

    def error(self, msg):
        self.error_pool.submit(self._print_error, msg)

    def warning(self, msg):
        self.error_pool.submit(self._print_error, msg, 0)

    def _print_error(self, msg, count=1):
        self.errors += count                                    # ok: one worker
        return msg

    def finish(self, item):
        self.work_pool.submit(self._done, item)

    def _done(self, item):
        self.done += 1                                          # expect: GIL103
        return item


def running_total(source):
    """`ops.map(f)` is a function of an imported module that takes one argument, not an
    executor's map(fn, iterable): it starts nothing (RxPY's scan operator)."""
    total = 0

    def project(x):
        nonlocal total
        total += x                                              # ok: no executor
        return total
    return source.pipe(ops.map(project))
