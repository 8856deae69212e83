# gilcheck-scope: concurrent
"""The fifteen rows of the Python FAQ entry "What kinds of global value mutation are thread-safe?",
spelled as the FAQ spells them and run from several threads: eleven atomic, four not.

L, L1, L2 are lists, D, D1, D2 dicts, x, y objects, i, j ints, all module globals shared by the
threads started at the bottom.
"""
import threading

L = [3, 1, 2]
L1 = [0, 0, 0, 0]
L2 = [7, 8]
D = {}
D1 = {}
D2 = {"b": 1}
i = 0
j = 1


class Obj(object):
    field = None


x = Obj()
y = Obj()


def atomic_rows():
    """The FAQ's atomic column: each statement does its work in one C-level operation."""
    global x
    L.append(x)                     # ok
    L1.extend(L2)                   # ok
    x = L[i]                        # ok
    x = L.pop()                     # ok
    L1[i:j] = L2                    # ok
    L.sort()                        # ok
    x = y                           # ok
    x.field = y                     # ok
    D[x] = y                        # ok
    D1.update(D2)                   # ok
    D.keys()                        # ok


def non_atomic_rows():
    """The FAQ's other column: a read, then a write of what was read, with a switch possible between."""
    global i
    i = i+1                         # expect: GIL101
    L.append(L[-1])                 # expect: GIL105
    L[i] = L[j]                     # expect: GIL105
    D[x] = D[x] + 1                 # expect: GIL104


if __name__ == "__main__":
    threads = []
    for _ in range(4):
        threads.append(threading.Thread(target=atomic_rows))
        threads.append(threading.Thread(target=non_atomic_rows))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
