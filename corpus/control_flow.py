# gilcheck-scope: concurrent
"""Shared updates inside loops, exception handlers, finally blocks, nested helpers and
comprehensions of a batch processor whose batches run on worker threads."""
import threading

results = []
failures = {}
attempts = 0
in_flight = 0
batches = [[1, 2], [], [3]]
sizes = [3, 1, 4, 1, 5]
done = 0
done_lock = threading.Lock()


def transform(item):
    if item < 0:
        raise ValueError("negative item %r" % item)
    return item * 2


def process(items):
    global attempts, in_flight
    in_flight += 1                                          # expect: GIL101
    try:
        for item in items:
            attempts += 1                                   # expect: GIL101
            try:
                results.append(transform(item))             # ok
            except ValueError as exc:
                failures[item] = failures.get(item, 0) + 1  # expect: GIL104
                message = str(exc)                          # ok
                message += " (item %r)" % (item,)           # ok
                print(message)
            else:
                mark_done(1)
    finally:
        in_flight -= 1                                      # expect: GIL101


def retry(fn, limit):
    global attempts
    n = 0
    while n < limit:
        n += 1                                              # ok
        attempts = attempts + 1                             # expect: GIL101
        if fn():
            break
    return n


def mark_done(n):
    global done
    with done_lock:
        for _ in range(n):
            done += 1                                       # ok


def mark_failed(item):
    global done
    try:
        transform(item)
    except ValueError:
        with done_lock:
            done += 1                                       # ok
    finally:
        failures[item] = 0                                  # ok


def summarize():
    doubled = [s * 2 for s in sizes]                        # ok
    total = sum(s for s in sizes)                           # ok
    big = {s: s > 2 for s in sizes}                         # ok
    counts = {}
    for s in sizes:
        counts[s] = counts.get(s, 0) + 1                    # ok
    return doubled, total, big, counts


def prune():
    global batches
    batches = [b for b in batches if b]                     # expect: GIL101


def compact():
    results[:] = [r for r in results if r is not None]      # expect: GIL105


def run_batch(batch):
    def bump(key):
        failures[key] = failures.get(key, 0) + 1            # expect: GIL104

    for key in batch:
        if key < 0:
            bump(key)
    process(batch)
    retry(lambda: True, 3)
    mark_failed(-1)
    summarize()
    prune()
    compact()


if __name__ == "__main__":
    workers = [threading.Thread(target=run_batch, args=(b,)) for b in batches]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
