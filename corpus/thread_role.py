# gilcheck-scope: concurrent
"""A client whose network loop runs either in the caller (loop()) or in a thread of its own
(loop_start()): the two are alternative ways to drive one object, so the code the client's own
thread runs does not race with the callers of loop(), and neither does what loop() does before
it runs the loop itself (paho's loop() resets its wake-up sockets, then calls _loop()). What the
loop shares with other public methods (publish() from any thread, close()) still races, and a
method that only shares a module helper with the loop is not a way to drive it."""
import socket
import threading


def note(client):
    return id(client)


class Client(object):
    def __init__(self):
        self._out_lock = threading.Lock()
        self._packet = {"left": 0}
        self._inflight = 0
        self._wake = None

    def publish(self, msg):
        with self._out_lock:
            self._inflight += 1

    def loop(self):
        if self._wake is None:
            self._reset_wake()
        self._read_packet()

    def _reset_wake(self):
        self._wake = None
        self._wake = socket.socket()

    def _read_packet(self):
        self._packet["left"] = self._packet["left"] - 1         # ok
        self._inflight -= 1                                     # expect: GIL103
        if self._wake is not None:
            self._wake.recv(1)                                  # ok: loop() drives it instead

    def _thread_main(self):
        while True:
            self._read_packet()

    def loop_start(self):
        t = threading.Thread(target=self._thread_main)
        t.start()


class Pump(object):
    """The thread's entry hands over to loop_forever(), whose loop is the work."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sock = None
        self._sent = 0

    def send(self, data):
        with self._lock:
            self._sent += len(data)

    def loop(self):
        if self._sock is None:
            self._sock = None
            self._sock = socket.socket()
        return self._once()

    def _once(self):
        note(self)
        if self._sock is not None:
            self._sock.recv(1)                                  # ok: loop() drives it instead
        with self._lock:
            self._sent = 0

    def loop_forever(self):
        while True:
            self._once()

    def _thread_main(self):
        self.loop_forever()

    def start(self):
        threading.Thread(target=self._thread_main).start()


class Relay(object):
    """close() shares only the module helper note() with the loop: it races with it."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._count = 0

    def count(self):
        with self._lock:
            self._count += 1

    def close(self):
        note(self)
        self._sock = None

    def _run(self):
        while True:
            note(self)
            if self._sock is not None:
                self._sock.recv(1)                              # expect: GIL203

    def start(self):
        threading.Thread(target=self._run).start()
