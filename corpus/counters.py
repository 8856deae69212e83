# gilcheck-scope: concurrent
"""Request statistics kept in module globals by the threads of a small server."""
import itertools
import threading

count = 0
total = 0
errors = 0
peak = 0
log_text = ""
last_status = None
last_total = 0
request_ids = itertools.count(1)

stats_lock = threading.Lock()
served = 0
served_bytes = 0


def handle(status, size):
    """Counts a request without any lock: every update of a global from itself is racy."""
    global count, total, errors, peak, log_text, last_status, last_total
    count += 1                                      # expect: GIL101
    total = total + size                            # expect: GIL101
    if status >= 500:
        errors = errors + 1                         # expect: GIL101
    peak = max(peak, size)                          # expect: GIL101
    log_text = log_text + "%d %d\n" % (status, size)  # expect: GIL101
    log_text = log_text.replace("\n\n", "\n")       # expect: GIL101
    log_text = log_text[-4096:]                     # expect: GIL101
    last_status = status                            # ok
    last_total = total + 1                          # ok
    request_id = next(request_ids)                  # ok
    retries = 0                                     # ok
    retries += 1                                    # ok
    size_kb = size / 1024.0                         # ok
    return request_id, retries, size_kb


def handle_in_two_steps(size):
    """The same read-modify-write spread over a local: still one read and one later write."""
    global total
    current = total                                 # ok
    current = current + size                        # ok
    total = current                                 # expect: GIL101


def serve_locked(size):
    global served, served_bytes
    with stats_lock:
        served += 1                                 # ok
        served_bytes = served_bytes + size          # ok


def serve_acquire(size):
    global served, served_bytes
    stats_lock.acquire()
    try:
        served += 1                                 # ok
        served_bytes += size                        # ok
    finally:
        stats_lock.release()


def serve_split(size):
    """Reads under the lock but writes after releasing it: another thread's update is lost."""
    global served_bytes
    with stats_lock:
        current = served_bytes                      # ok
    served_bytes = current + size                   # expect: GIL101


def report_and_reset():
    """Runs on a timer thread while the workers keep counting under stats_lock."""
    global served, served_bytes
    print(served, served_bytes)                     # ok
    served = 0                                      # expect: GIL301
    served_bytes = 0                                # expect: GIL301


def worker(requests):
    for status, size in requests:
        handle(status, size)
        handle_in_two_steps(size)
        serve_locked(size)
        serve_acquire(size)
        serve_split(size)


if __name__ == "__main__":
    batch = [(200, 512), (404, 0), (500, 128)]
    threads = [threading.Thread(target=worker, args=(batch,)) for _ in range(4)]
    for t in threads:
        t.start()
    threading.Timer(60.0, report_and_reset).start()
    for t in threads:
        t.join()
    print(count, total, errors, peak)
