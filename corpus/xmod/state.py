# gilcheck-scope: concurrent
"""Module state that the threads of xmod.main update."""
counter = 0
cache = {}
seen = set()


def work():
    global counter
    counter += 1                                            # expect: GIL101


def note(item):
    if item not in seen:
        seen.add(item)                                      # expect: GIL204


def untouched():
    """No thread runs it: not reported, though nothing locks it."""
    global counter
    counter = counter + 1                                   # ok
