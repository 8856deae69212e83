# gilcheck-scope: concurrent
"""An executor runs the tasks submitted to it on several workers at once: a task submitted once
per request, from a handler that an accept loop calls, races with itself, even on the state of
the object whose method it is."""
from concurrent.futures import ThreadPoolExecutor


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
