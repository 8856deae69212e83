# gilcheck-scope: concurrent
"""Code that runs before a thread exists, or alone in a fresh child process, does not race with
it: writes before Thread.start(), after-fork handlers, multiprocessing children."""
import multiprocessing
import os
import threading

config = {}
served = 0
children = 0


def serve():
    global served
    served += 1                                             # expect: GIL101


def reset_in_child():
    """Runs alone in the child after a fork."""
    global served
    served = 0                                              # ok
    config.clear()                                          # ok


def child_main(n):
    """Runs in another process: no memory shared with this one."""
    global children
    children += n                                           # ok


def start():
    global served
    served = 0                                              # ok
    config["mode"] = "fast"                                 # ok
    t = threading.Thread(target=serve)
    t.start()
    served = served + 100                                   # expect: GIL101
    return t


if __name__ == "__main__":
    os.register_at_fork(after_in_child=reset_in_child)
    multiprocessing.Process(target=child_main, args=(1,)).start()
    start()
    threading.Thread(target=serve).start()
