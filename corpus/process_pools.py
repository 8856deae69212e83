# gilcheck-scope: concurrent
"""A process pool runs its tasks in other processes, each with its own copy of the module: the
tasks share nothing.  The pool is as often bound by `with` and used from a comprehension (a
function of its own before 3.12) as kept in a local; a thread pool used the same way shares the
module with its tasks."""
import concurrent.futures

PENDING = []
COUNTS = {}


def fmt(name):
    PENDING.append(name)
    if PENDING:
        PENDING.pop()                                           # ok: another process's list


def run_all(names):
    with concurrent.futures.ProcessPoolExecutor(4) as executor:
        futures = [executor.submit(fmt, n) for n in names]
    return futures


def count(name):
    COUNTS[name] = COUNTS.get(name, 0) + 1                      # expect: GIL104


def run_threads(names):
    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        futures = [executor.submit(count, n) for n in names]
    return futures
