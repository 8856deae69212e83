# gilcheck-scope: concurrent
"""Lazy initialisation is a check for absence followed by the creation of something new. Other
checks followed by a store -- a state machine's transition, a flag, a reset, a guard against a
second start, an assertion -- are not lazy initialisation: they race only when another thread
writes the same state in between."""
import threading

RUNNING, PAUSED, STOPPED = 1, 2, 3


class Pump(object):
    def __init__(self):
        self.state = RUNNING
        self.done = False
        self.fp = None
        self.queue = None
        self.inherits = []
        self.session = None
        self.buffers = None

    def pause(self):
        if self.state == RUNNING:                               # ok
            self.state = PAUSED                                 # expect: GIL201

    def stop(self):
        self.state = STOPPED

    def finish(self):
        if not self.done:                                       # ok
            self.done = True                                    # ok

    def close(self):
        if self.fp is None:                                     # ok
            return
        self.fp = None                                          # ok

    def start(self):
        if self.queue is not None:                              # ok
            raise RuntimeError("already started")
        self.queue = []                                         # ok

    def check(self):
        assert not self.inherits                                # ok
        self.inherits = [1]                                     # ok

    def get_session(self):
        if self.session is None:                                # ok
            self.session = object()                             # expect: GIL202
        return self.session

    def get_buffers(self):
        if not self.buffers:                                    # ok
            self.buffers = []                                   # expect: GIL202
        return self.buffers


class Server(object):
    """Both sides store the same constant: whichever runs last leaves the state the loop meant."""

    def __init__(self):
        self._lock = threading.Lock()
        self.status = "run"

    def listen(self, command):
        if self.status != "closed":                             # ok
            self.status = "closed"                              # ok

    def close(self):
        with self._lock:
            self.status = "closed"


class Closer(object):
    """A clean stop asks for closing by storing 1; the loop moves 1 on to 2 (`== 1`, then 2).
    stop() storing that same 1 inside the loop's step leaves what the loop meant; storing
    another value there does not."""

    def __init__(self):
        self.closing = 0
        self.mode = "run"

    def stop(self):
        self.closing = 1
        self.mode = "paused"

    def step(self):
        if self.closing == 1:                                   # ok
            self.closing = 2                                    # ok: stop() stores the 1 checked
        if self.mode == "run":                                  # ok
            self.mode = "busy"                                  # expect: GIL201


server = Server()
pump = Pump()
threading.Thread(target=server.listen, args=(b"close",)).start()
threading.Thread(target=server.close).start()
for work in (pump.pause, pump.stop, pump.finish, pump.close, pump.start, pump.check,
             pump.get_session, pump.get_buffers):
    threading.Thread(target=work).start()
closer = Closer()
threading.Thread(target=closer.stop).start()
threading.Thread(target=closer.step).start()
