# gilcheck-scope: concurrent
"""Nested functions started as threads: the enclosing function's variables become cells that
every thread shares."""
import itertools
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def count_words(lines, workers=4):
    total = 0                                       # ok
    longest = 0                                     # ok
    last_error = None                               # ok
    chunks = [lines[k::workers] for k in range(workers)]

    def work(chunk):
        nonlocal total, longest, last_error
        for line in chunk:
            try:
                n = len(line.split())               # ok
            except AttributeError as exc:
                last_error = exc                    # ok
                continue
            total += n                              # expect: GIL102
            longest = max(longest, n)               # expect: GIL102

    threads = []
    for chunk in chunks:
        t = threading.Thread(target=work, args=(chunk,))
        threads.append(t)
        t.start()
    for t in threads:
        t.join()
    return total, longest, last_error


def count_lines(paths):
    done = 0                                        # ok
    files = 0                                       # ok
    found = []                                      # ok
    lock = threading.Lock()

    def work(path):
        nonlocal done, files
        with open(path) as f:
            n = sum(1 for _ in f)                   # ok
            files += 1                              # expect: GIL102
        with lock:
            done += n                               # ok
        found.append(path)                          # ok

    threads = [threading.Thread(target=work, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done, files, found


def progress_reporter(total_steps):
    step = 0                                        # ok
    cond = threading.Condition()

    def advance():
        nonlocal step
        cond.acquire()
        try:
            step = step + 1                         # ok
            cond.notify_all()
        finally:
            cond.release()

    def wait_for(n):
        with cond:
            while step < n:
                cond.wait()

    for _ in range(total_steps):
        threading.Thread(target=advance).start()
    wait_for(total_steps)
    return step


def download_all(urls):
    fetched = 0                                     # ok
    failed = 0                                      # ok
    retried = 0                                     # ok
    lock = threading.Lock()

    def fetch(url):
        nonlocal fetched, failed, retried
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                body = r.read()                     # ok
            fetched = fetched + 1                   # expect: GIL102
            return body
        except OSError:
            failed += 1                             # expect: GIL102
            with lock:
                retried += 1                        # ok
            return None

    with ThreadPoolExecutor(max_workers=8) as ex:
        bodies = list(ex.map(fetch, urls))
    return bodies, fetched, failed, retried


def make_counter():
    """Returns a plain counter; nothing runs it in a thread, so nothing here is concurrent."""
    n = 0

    def bump():
        nonlocal n
        n += 1                                      # ok
        return n

    return bump


def hammer(urls):
    """Threads share the enclosing function's iterators: a C counter is atomic, a generator is
    not."""
    ok = itertools.count()

    def numbers():
        i = 0
        while True:
            i += 1
            yield i

    ids = numbers()

    def one(url):
        next(ok)                                    # ok
        return next(ids)                            # expect: GIL102

    workers = [threading.Thread(target=one, args=(u,)) for u in urls]
    for w in workers:
        w.start()
