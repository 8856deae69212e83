# gilcheck-scope: concurrent
"""A take-and-reset that starts where a test found the state set (`if self.server: server =
self.server; self.server = None`) runs after the store that set it.  When that store is the
only one of a value the state gets, made once -- by the object's own thread, started once, not
in a loop -- it cannot land inside the window.  Reported still: a thread that stores in a loop,
two stores of a value, a take with no test before it, and two threads of one object."""
import threading


class Node(object):
    def __init__(self):
        self.server = None

    def start(self):
        threading.Thread(target=self.run).start()

    def run(self):
        self.server = object()
        print(self.server)

    def shutdown(self):
        if self.server:
            server = self.server
            self.server = None                                  # ok: the one store came first
            print(server)


class Relay(object):
    def __init__(self):
        self.conn = None

    def start(self):
        threading.Thread(target=self.run).start()

    def run(self):
        while True:
            self.conn = object()

    def shutdown(self):
        if self.conn:
            conn = self.conn
            self.conn = None                                    # expect: GIL107
            print(conn)


class Redial(object):
    def __init__(self):
        self.sock = None

    def start(self):
        threading.Thread(target=self.run).start()

    def run(self):
        self.sock = object()
        print(self.sock)
        self.sock = object()

    def close(self):
        if self.sock is not None:
            sock = self.sock
            self.sock = None                                    # expect: GIL107
            print(sock)


class Plain(object):
    def __init__(self):
        self.job = None

    def start(self):
        threading.Thread(target=self.run).start()

    def run(self):
        self.job = object()

    def cancel(self):
        job = self.job
        self.job = None                                         # expect: GIL107
        print(job)


class Twice(object):
    def __init__(self):
        self.server = None

    def start(self):
        for _ in range(2):
            threading.Thread(target=self.run).start()

    def run(self):
        self.server = object()

    def shutdown(self):
        if self.server:
            server = self.server
            self.server = None                                  # expect: GIL107
            print(server)
