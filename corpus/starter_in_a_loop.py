# gilcheck-scope: concurrent
"""A method that starts one thread, called in a loop, starts a thread per round: a pool's workers
on one object race with each other.  Called once, it starts one thread per object, and what the
worker does to its own object stays with that thread."""
import threading


class Pool(object):
    def __init__(self, n):
        self.served = 0
        for _ in range(n):
            self.add_worker()

    def add_worker(self):
        threading.Thread(target=self.work).start()

    def work(self):
        self.served += 1                                        # expect: GIL103


class Reader(object):
    def __init__(self):
        self.bytes_read = 0
        self.start_reader()

    def start_reader(self):
        threading.Thread(target=self.read_loop).start()

    def read_loop(self):
        self.bytes_read += 1                                    # ok: one reader thread per object
