# gilcheck-scope: concurrent
"""An object is private while it is made and when it is finalized: a helper __init__ calls on
self before self escapes, `self.__init__()` called again to make the object anew, and __del__
(no one else holds an object being finalized) do not race with its threads. The same helper
called from a running thread does."""
import threading


class Connection(object):
    def __init__(self):
        self._lock = threading.Lock()
        self._sock = None
        self._sent = 0
        self._reset()

    def _reset(self):
        self._sock = None                                       # ok
        self._sent = 0                                          # ok

    def reinitialise(self):
        self._reset()
        self.__init__()

    def __del__(self):
        self._reset()

    def send(self, data):
        with self._lock:
            self._sent += 1
        if self._sock is not None:                              # ok
            self._sock.sendall(data)                            # ok

    def start(self):
        threading.Thread(target=self.send, args=(b"x",)).start()


class Session(object):
    def __init__(self):
        self._lock = threading.Lock()
        self._sock = None

    def _drop(self):
        self._sock = None

    def send(self, data):
        if self._sock is not None:                              # ok
            self._sock.sendall(data)                            # expect: GIL203

    def close(self):
        with self._lock:
            self._drop()

    def start(self):
        threading.Thread(target=self.send, args=(b"x",)).start()


class Pin(object):
    def __init__(self, number):
        self._lock = threading.Lock()
        self._number = number
        self._handler = None

    def set_handler(self, f):
        with self._lock:
            self._handler = f


class MockPin(Pin):
    """`repr(self)` in __init__ looks at self and keeps nothing: self has not escaped, and the
    store after it is still construction (gpiozero's MockPin)."""

    def __init__(self, number):
        super(MockPin, self).__init__(number)
        self._label = repr(self)
        self._state = False

    def _change(self, value):
        if self._state != value:
            self._state = value                                 # ok: only __init__ writes it besides

    def start(self):
        threading.Thread(target=self._change, args=(True,)).start()
