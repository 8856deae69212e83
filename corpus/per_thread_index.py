# gilcheck-scope: concurrent
"""Threads started in a `for i in range(n):` loop, each given the loop's index, keep their own
item of a shared dict (cherrypy's session test): `data[index]` of one thread is never another
thread's.  The same threads given a value that repeats -- an item of a list, or the index of an
outer loop -- share it."""
import threading


def run_clients(n, rounds):
    data = {}

    def request(index):
        for _ in range(rounds):
            data[index] = max(data[index], 1)                   # ok: each thread its own index

    threads = []
    for c in range(n):
        data[c] = 0
        t = threading.Thread(target=request, args=(c,))
        threads.append(t)
        t.start()
    for t in threads:
        t.join()
    return data


def run_pairs(n):
    hits = {}

    def hit(key):
        hits[key] = hits.get(key, 0) + 1                        # expect: GIL104

    for c in range(n):
        hits[c] = 0
        for _ in range(2):
            threading.Thread(target=hit, args=(c,)).start()
    return hits


def run_names(names):
    seen = {}

    def visit(name):
        seen[name] = seen.get(name, 0) + 1                      # expect: GIL104

    for name in names:
        threading.Thread(target=visit, args=(name,)).start()
    return seen
