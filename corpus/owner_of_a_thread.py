# gilcheck-scope: concurrent
"""An object that runs a thread of its own is shared by construction: whoever made it calls its
public methods while its thread runs.  Those calls race with the thread where both touch the
same state, and only there: not with each other (one owner), not in the methods the thread
itself calls, not after the owner joined the thread, and not for a subclass's methods beside
a base class's thread.  Two read-modify-writes that break each other are one race, reported
once."""
import threading


class Watcher(object):
    def __init__(self):
        self.paths = {}
        self.polls = 0
        self.bytes_seen = 0
        self.pending = 0

    def start(self):
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            for p in self.paths:                                # expect: GIL106
                print(p)
            self.polls += 1                                     # expect: GIL103
            self.bytes_seen += 1                                # ok: only this thread
            self.pending -= 1                                   # expect: GIL103
            self.poll_once()

    def poll_once(self):
        self.bytes_seen += 2                                    # ok: the thread calls it itself

    def watch(self, path):
        self.paths[path] = True

    def reset(self):
        self.polls = 0

    def submit(self, n):
        self.pending = self.pending + n                         # ok: one race with line 27

    def tally(self):
        self.paths["tally"] = len(self.paths)                   # ok: the owner, not two threads


class Pool(object):
    def __init__(self):
        self.workers = [object()]
        self._handler = threading.Thread(target=self._maintain)
        self._results = threading.Thread(target=self._collect)
        self._handler.start()
        self._results.start()

    def _maintain(self):
        while self.workers:
            del self.workers[0]

    def _collect(self):
        pass

    def join(self):
        self._handler.join()
        self._results.join()
        for w in self.workers:                                  # ok: after both joins
            print(w)


class Stream(threading.Thread):
    def __init__(self):
        threading.Thread.__init__(self)
        self.sequence = 0

    def run(self):
        while True:
            self.advance()

    def advance(self):
        self.sequence = self.sequence + 1                       # ok: run() calls it


class PagedStream(Stream):
    def advance(self):
        self.sequence += 2                                      # ok: this class's own run()
