# gilcheck-scope: concurrent
"""A cell is shared when a closure that uses it escapes -- stored, returned, started as a thread
-- or runs in a thread. A local captured by a comprehension or a nested function that never
leaves the call is private. Closures made on exclusive branches of one factory are different
variants: one call makes only one of them."""
import threading


def count_words(lines):
    total = 0
    def add(n):
        nonlocal total
        total = total + n                                       # ok
    for line in lines:
        add(len(line.split()))
    return total


def longest(words):
    best = None
    found = [w for w in words if best is None or len(w) > len(best)]    # ok
    if found:
        best = found[-1]                                        # ok
    return best


def make_counter(locked):
    count = 0
    lock = threading.Lock()
    if locked:
        def inc():
            nonlocal count
            with lock:
                count += 1                                      # ok
    else:
        def inc():
            nonlocal count
            count = 0                                           # ok
    return inc


def crawl(urls):
    hits = 0
    def fetch(url):
        nonlocal hits
        hits += 1                                               # expect: GIL102
    workers = [threading.Thread(target=fetch, args=(u,)) for u in urls]
    for w in workers:
        w.start()
    return workers


def serve(words):
    return count_words(words), longest(words)


def run_counters():
    inc = make_counter(True)
    for _ in range(4):
        threading.Thread(target=inc).start()


for work in (serve, run_counters, crawl):
    threading.Thread(target=work).start()
