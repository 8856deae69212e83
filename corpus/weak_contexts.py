# gilcheck-scope: concurrent
"""A module that locks its globals tells that its functions may be called from several threads:
its public functions run in "any caller" contexts. Those contexts come from a lock alone, not
from a thread: against the main thread of a script they are that same thread, and only a thread
the script starts races with them."""
import sys
import threading

_lock = threading.Lock()
_handlers = {}
_stats = {"errors": 0}


def register(name, handler):
    with _lock:
        if name not in _handlers:
            _handlers[name] = handler


def note_error():
    with _lock:
        _stats["errors"] += 1


def reset():
    _handlers.clear()                                           # ok
    _stats["errors"] = 0                                        # ok


def main(argv):
    register("print", print)
    reset()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
