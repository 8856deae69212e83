# gilcheck-scope: concurrent
"""State that exactly one thread touches does not race, however unlocked: a reader loop's byte
counter, a thread object's own fields. Started several times, the same code races."""
import threading

received = 0
polls = 0


def reader(sock):
    """Started once: nothing else writes `received`."""
    global received
    while True:
        data = sock.recv(1024)
        if not data:
            break
        received += len(data)                               # ok


def poller():
    """Started in a loop: each thread's update of the global races with the others'."""
    global polls
    polls += 1                                              # expect: GIL101


class Listener(threading.Thread):
    """Each listener owns its counters: one thread per object touches them."""

    def __init__(self, sock):
        super(Listener, self).__init__()
        self.sock = sock
        self.count = 0
        self.bytes = 0

    def run(self):
        while True:
            data = self.sock.recv(1024)
            if not data:
                break
            self.count += 1                                 # ok
            self.bytes = self.bytes + len(data)             # ok


class Pinger(object):
    def __init__(self):
        self.sent = 0

    def start(self):
        threading.Thread(target=self._loop).start()

    def _loop(self):
        """The object's one thread: its own state."""
        self.sent += 1                                      # ok


class RpcServer(threading.Thread):
    """Each server object answers on its own thread: its call counter is that thread's."""

    def __init__(self):
        threading.Thread.__init__(self)
        self._callid = 0

    def run(self):
        while True:
            self.send()

    def send(self):
        self._callid += 1                                   # ok


class FileServer(RpcServer):
    pass


def main(sock):
    threading.Thread(target=reader, args=(sock,)).start()
    for _ in range(3):
        threading.Thread(target=poller).start()
    for _ in range(3):
        Listener(sock).start()
    Pinger().start()
    RpcServer().start()
    FileServer().start()


if __name__ == "__main__":
    main(None)
