# gilcheck-scope: concurrent
"""One function, one state, the same writer elsewhere: one race.  A reader's two windows on the
buffer that its listener thread stores (telnetlib's read_until) are one place to fix -- the
reader's steps under the listener's lock, or a queue -- so they are one finding, at the first
window.  Windows that something else breaks too, or that break each other, stay findings of
their own (one_race_per_function.py)."""
import threading


class Session:
    def __init__(self, sock):
        self.sock = sock
        self.cooked = b""
        self.pending = []
        self.eof = False
        self.listener = None

    def listen(self):
        self.listener = threading.Thread(target=self.listener_loop)
        self.listener.start()

    def listener_loop(self):
        while not self.eof:
            data = self.sock.recv(1024)
            if not data:
                self.eof = True
            self.cooked = data
            self.pending = [data]

    def read_until(self, match):
        i = self.cooked.find(match)
        if i >= 0:
            buf = self.cooked[:i]
            self.cooked = self.cooked[i:]                       # expect: GIL103
            return buf
        while not self.eof:
            i = self.cooked.find(match)
            if i >= 0:
                buf = self.cooked[:i]
                self.cooked = self.cooked[i:]                   # ok: the same race as line 34
                return buf
        return b""

    def drain(self):
        got = self.pending
        self.pending = []                                       # expect: GIL107
        more = self.cooked
        self.cooked = b""                                       # expect: GIL107
        return got, more
