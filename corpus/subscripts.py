# gilcheck-scope: concurrent
"""Shared dicts and lists updated by index from a pool of worker threads."""
import collections
import threading
from concurrent.futures import ThreadPoolExecutor

word_counts = {}
by_length = collections.defaultdict(int)
grid = [[0] * 8 for _ in range(8)]
history = [0]
stack = [1]
aliases = {"default": "main"}
latest = {}
groups = {}
buffers = []
inbox = []
archive = []
totals = collections.Counter()
totals_lock = threading.Lock()


def count_words(text):
    for word in text.split():
        word_counts[word] = word_counts.get(word, 0) + 1    # expect: GIL104
        by_length[len(word)] += 1                           # expect: GIL104
        latest[word] = text                                 # ok
        groups.setdefault(len(word), []).append(word)       # ok


def mark(row, col):
    grid[row][col] += 1                                     # expect: GIL104
    grid[row][col] = 0                                      # ok


def scale(k, factor):
    history[k] = history[k] * factor                        # expect: GIL104


def swap(a, b):
    history[a], history[b] = history[b], history[a]         # expect: GIL105


def push_next():
    top = stack[-1]                                         # ok
    stack.append(top + 1)                                   # expect: GIL105


def repeat_last():
    stack.append(history[-1])                               # ok
    last = stack[-1]                                        # ok
    x = stack.pop()                                         # ok
    history[0] = x                                          # ok
    return last


def add_alias(new, old):
    aliases[new] = aliases[old]                             # expect: GIL105


def move_all():
    archive[0:0] = inbox                                    # ok
    latest.update(aliases)                                  # ok
    latest.pop("default", None)                             # ok


def add_totals(items):
    for name, n in items:
        with totals_lock:
            totals[name] += n                               # ok


def private_counts(text):
    counts = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1              # ok
    firsts = collections.Counter()
    firsts[text[:1]] += 1                                   # ok
    lengths = [0, 0]
    lengths[0] += len(text)                                 # ok
    lengths.append(lengths[-1])                             # ok
    return counts, firsts, lengths


class Server(object):
    def __init__(self):
        self._lock = threading.Lock()
        self.stats = {"hits": 0, "misses": 0}
        self.clients = {}
        self._pending = [0]
        self._jobs = []

    def hit(self):
        # a class that only uses a lock, with no thread in sight and not declared thread-safe
        self.stats["hits"] += 1                             # ok

    def miss(self):
        # a class that only uses a lock, with no thread in sight and not declared thread-safe
        self.stats["misses"] = self.stats["misses"] + 1     # ok

    def connect(self, name, sock):
        self.clients[name] = sock                           # ok

    def retry_last(self):
        pending = self._pending
        # a class that only uses a lock, with no thread in sight and not declared thread-safe
        pending.append(pending[-1])                         # ok

    def enqueue(self, job):
        with self._lock:
            self._jobs.append(job)                          # ok
            self._jobs.append(self._jobs[0])                # ok


if __name__ == "__main__":
    with ThreadPoolExecutor(max_workers=8) as ex:
        ex.map(count_words, ["a bb ccc", "bb ccc dddd"])
        ex.submit(mark, 1, 2)
        ex.submit(scale, 0, 3)
        ex.submit(swap, 0, 1)
        ex.submit(push_next)
        ex.submit(repeat_last)
        ex.submit(add_alias, "primary", "default")
        ex.submit(move_all)
        ex.submit(add_totals, [("a", 1), ("b", 2)])
        ex.submit(private_counts, "a bb a")
