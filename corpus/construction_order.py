# gilcheck-scope: concurrent
"""A method is called on an object after its construction: what the constructor of an object
the program makes once does comes before every thread the object's methods start.  Reported
still: a class made in a loop (the second object's constructor runs while the first's threads
count) and a constructor that starts the threads itself before the write."""
import threading


class Survey(object):
    """Made once by the program; its workers are made only by run_all()."""

    class Pinger(threading.Thread):
        def __init__(self, parent):
            threading.Thread.__init__(self)
            self.parent = parent

        def run(self):
            with Survey.lock:
                Survey.done += 1                                # ok

    def __init__(self, hosts):
        Survey.done = 0                                         # ok: before any Pinger starts
        Survey.lock = threading.Lock()
        self.hosts = hosts

    def run_all(self):
        for _ in self.hosts:
            worker = Survey.Pinger(self)
            worker.start()


class Census(object):
    """Made twice: the second constructor resets what the first one's workers count."""

    class Counter(threading.Thread):
        def run(self):
            with Census.lock:
                Census.done += 1                                # ok

    lock = threading.Lock()

    def __init__(self):
        Census.done = 0                                         # expect: GIL301

    def run_all(self):
        for _ in range(3):
            Census.Counter().start()


class Eager(object):
    """Made once, but the constructor starts the workers before its reset."""

    class Worker(threading.Thread):
        def run(self):
            with Eager.lock:
                Eager.done += 1                                 # ok

    lock = threading.Lock()

    def __init__(self):
        self.run_all()
        Eager.done = 0                                          # expect: GIL301

    def run_all(self):
        for _ in range(3):
            Eager.Worker().start()


if __name__ == "__main__":
    survey = Survey(["a", "b"])
    survey.run_all()
    for _ in range(2):
        Census().run_all()
    Eager()
