# gilcheck-scope: concurrent
"""A client whose network loop runs either in the caller (loop()) or in a thread of its own
(loop_start()): the two are alternative ways to drive one object, so the code the client's own
thread runs does not race with the callers of loop(). What the loop shares with other public
methods (publish() from any thread) still races."""
import threading


class Client(object):
    def __init__(self):
        self._out_lock = threading.Lock()
        self._packet = {"left": 0}
        self._inflight = 0

    def publish(self, msg):
        with self._out_lock:
            self._inflight += 1

    def loop(self):
        self._read_packet()

    def _read_packet(self):
        self._packet["left"] = self._packet["left"] - 1         # ok
        self._inflight -= 1                                     # expect: GIL103

    def _thread_main(self):
        while True:
            self._read_packet()

    def loop_start(self):
        t = threading.Thread(target=self._thread_main)
        t.start()
