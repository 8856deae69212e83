# gilcheck-scope: concurrent
"""One race, one finding.  Two locked windows of one function on one state that break each other
and nothing else -- the two halves of a barrier, each under its own lock -- are one pair of locks
that disagree.  One check with two acts on the container it tests (`D[k]` and `D.pop(k)`) is one
race too, and so are one check and a store on each of two branches (lazy initialisation), or
one check and two uses.  Two unlocked read-modify-writes of one state stay two findings: each loses updates of
its own."""
import threading


class Pinger(object):
    OIDS = {}

    def __init__(self):
        self.gate_in = threading.Lock()
        self.gate_out = threading.Lock()
        self.waiting = 0
        self.observers = {}
        self.hits = 0
        self.timer = None
        self.sock = None

    def ping(self, target, gone, new):
        Pinger.OIDS[target]["oids"] -= gone                     # expect: GIL104
        Pinger.OIDS[target]["oids"] |= new                      # expect: GIL104

    def enter(self, n):
        self.gate_in.acquire()
        self.waiting = self.waiting + 1
        if self.waiting == n:
            self.waiting = n - 1                                # expect: GIL301
            self.gate_out.release()
            return
        self.gate_in.release()
        self.gate_out.acquire()
        self.waiting = self.waiting - 1                         # ok: the other half of the same race
        if self.waiting == 0:
            self.gate_in.release()
            return
        self.gate_out.release()

    def forget(self, observer):
        if observer in self.observers:
            keys = self.observers[observer]                     # expect: GIL201
            for k in keys:
                print(k)
            self.observers.pop(observer)                        # ok: the same check

    def arm(self, delay):
        if self.timer is None:
            if delay >= 0:
                self.timer = threading.Timer(delay, self.count)     # expect: GIL202
                return
            self.timer = threading.Timer(1.0, self.recount)         # ok: the same check

    def disarm(self):
        self.timer = None

    def send(self, data):
        if self.sock is not None:
            self.sock.sendall(data)                             # expect: GIL203
            self.sock.settimeout(None)                          # ok: the same check

    def close(self):
        self.sock = None

    def count(self):
        self.hits += 1                                          # expect: GIL103

    def recount(self):
        self.hits += 1                                          # expect: GIL103

    def run(self):
        for _ in range(4):
            threading.Thread(target=self.ping, args=(1, set(), set())).start()
            threading.Thread(target=self.enter, args=(4,)).start()
            threading.Thread(target=self.forget, args=(self,)).start()
            threading.Thread(target=self.count).start()
            threading.Thread(target=self.recount).start()
            threading.Thread(target=self.arm, args=(1,)).start()
            threading.Thread(target=self.disarm).start()
            threading.Thread(target=self.send, args=(b"x",)).start()
            threading.Thread(target=self.close).start()
