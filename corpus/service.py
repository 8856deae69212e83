# gilcheck-scope: concurrent
"""A small job runner: worker threads take jobs from a queue, a board records their progress,
and a monitor thread reads it."""
import itertools
import queue
import threading
import time

_job_ids = itertools.count(1)


class JobBoard(object):  # gilcheck: thread-safe
    """Status of every job, shared by the workers and the monitor."""

    def __init__(self):
        self._lock = threading.Lock()
        self._status = {}
        self._started = {}
        self.finished = 0                                   # ok
        self.failed = 0
        self.slowest = 0.0

    def start(self, job_id):
        with self._lock:
            self._status[job_id] = "running"                # ok
            self._started[job_id] = time.time()             # ok

    def finish(self, job_id, ok):
        with self._lock:
            self._status[job_id] = "done" if ok else "failed"  # ok
            started = self._started.pop(job_id)             # ok
            self.finished += 1                              # ok
        elapsed = time.time() - started                     # ok
        self.slowest = max(self.slowest, elapsed)           # expect: GIL103
        if not ok:
            self.failed += 1                                # expect: GIL103

    def status(self, job_id):
        with self._lock:
            return self._status.get(job_id, "unknown")      # ok

    def forget(self, job_id):
        if job_id in self._status:
            del self._status[job_id]                        # expect: GIL201

    def summary(self):
        counts = {}
        with self._lock:
            for state in self._status.values():
                counts[state] = counts.get(state, 0) + 1    # ok
        return counts


class Worker(threading.Thread):
    def __init__(self, board, jobs):
        super(Worker, self).__init__()
        self.daemon = True
        self.board = board
        self.jobs = jobs

    def run(self):
        while True:
            job_id, fn = self.jobs.get()                    # ok
            self.board.start(job_id)
            try:
                fn()
                ok = True                                   # ok
            except Exception:
                ok = False                                  # ok
            self.board.finish(job_id, ok)
            self.jobs.task_done()


def monitor(board, stop):
    rounds = 0
    while not stop.wait(1.0):
        rounds += 1                                         # ok
        print(rounds, board.summary())                      # ok


def submit(jobs, fn):
    job_id = next(_job_ids)                                 # ok
    jobs.put((job_id, fn))                                  # ok
    return job_id


if __name__ == "__main__":
    board = JobBoard()
    jobs = queue.Queue()
    stop = threading.Event()
    for _ in range(4):
        Worker(board, jobs).start()
    threading.Thread(target=monitor, args=(board, stop)).start()
    for _ in range(10):
        submit(jobs, lambda: time.sleep(0.01))
    jobs.join()
    stop.set()
