# gilcheck-scope: concurrent
"""A helper that every caller runs with the lock held is locked; the same helper reached once
without the lock is not. Also a lock taken and released through helper functions, ours or the
standard library's (`logging._acquireLock()`, when logging is not part of the run)."""
import logging
import threading

_lock = threading.Lock()
_next_id = 0
_seq = 0
_pending = []


def _new_id():
    """Only ever called with _lock held: its read-modify-write is atomic."""
    global _next_id
    _next_id += 1                                           # ok
    return _next_id


def _bump_seq():
    """Called once with the lock and once without: the unlocked call races."""
    global _seq
    _seq += 1                                               # expect: GIL101


def _acquire():
    _lock.acquire()


def _release():
    _lock.release()


def register(item):
    with _lock:
        item_id = _new_id()
        _bump_seq()
    return item_id


def register_many(items):
    with _lock:
        ids = [_new_id() for _ in items]
    _bump_seq()
    return ids


def flush():
    """`logging._acquireLock()` style: the lock is taken by one helper and given back by another."""
    _acquire()
    try:
        _pending[:] = [p for p in _pending if p]            # ok
    finally:
        _release()


_logger = None
_plain = None


def get_logger():
    global _logger
    logging._acquireLock()
    try:
        if not _logger:
            _logger = logging.getLogger("corpus")              # ok
    finally:
        logging._releaseLock()
    return _logger


def get_plain():
    global _plain
    if not _plain:
        _plain = logging.getLogger("plain")                   # expect: GIL202
    return _plain


def worker(items):
    register(items[0])
    register_many(items)
    flush()
    get_logger()
    get_plain()


if __name__ == "__main__":
    for _ in range(4):
        threading.Thread(target=worker, args=([1, 2],)).start()
