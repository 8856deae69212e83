# gilcheck-scope: concurrent
"""Program order before a thread starts: what a program does to an object before the call that
starts the object's thread happens before everything that thread does -- the owner's set-up
calls, and what the main thread runs before it calls the starting method, also through a
function that is given the class as an argument.  A method the program also calls after the
start, or in a loop around it, still races with the thread, and so does set-up code that several
threads run (one's set-up can come after another's start) or set-up before a start when
something else can start the same thread earlier."""
import threading


class Feed(object):
    def __init__(self):
        self.sent = 0
        self.dropped = 0
        self.topics = {}

    def reset(self):
        self.sent = 0

    def configure(self, topic):
        self.topics[topic] = []

    def clear_drops(self):
        self.dropped = 0

    def start(self):
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while True:
            self.sent += 1                                      # ok: reset() runs before start()
            self.dropped += 1                                   # expect: GIL103
            for topic in self.topics:                           # ok: configure() runs before start()
                print(topic)


def run_feed():
    feed = Feed()
    feed.reset()
    feed.configure("news")
    feed.start()
    feed.clear_drops()


class Ticker(object):
    def __init__(self):
        self.ticks = 0

    def rewind(self):
        self.ticks = 0

    def start(self):
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            self.ticks += 1                                     # expect: GIL103


def run_ticker():
    ticker = Ticker()
    for _ in range(3):
        ticker.rewind()
        ticker.start()


class Window(object):
    def __init__(self):
        self.panels = {}
        self.docks = {}

    def setup(self):
        self.panels["main"] = 1

    def add_dock(self, name):
        self.docks[name] = 1

    def show(self):
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            for name in self.panels:                            # ok: setup() runs before show()
                print(name)
            for name in self.docks:                             # expect: GIL106
                print(name)


def create_window(WindowClass):
    window = WindowClass()
    window.setup()
    window.show()
    window.add_dock("log")
    return window


class Monitor(object):
    def __init__(self):
        self.rules = {}

    def setup(self):
        self.rules["cpu"] = 1

    def show(self):
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self):
        while True:
            for name in self.rules:                             # expect: GIL106
                print(name)


monitor = Monitor()


def refresh():
    monitor.show()


def open_monitor():
    monitor.setup()
    monitor.show()


class Board(object):
    def __init__(self):
        self.sock = None


board = Board()


class Launcher(object):
    def prepare(self):
        board.sock = None

    def start(self):
        threading.Thread(target=self._use, daemon=True).start()

    def _use(self):
        if board.sock is not None:
            board.sock.sendall(b"x")                            # expect: GIL203


def launch():
    launcher = Launcher()
    launcher.prepare()
    launcher.start()


if __name__ == "__main__":
    create_window(Window)
    threading.Thread(target=refresh).start()
    open_monitor()
    for _ in range(2):
        threading.Thread(target=launch).start()
