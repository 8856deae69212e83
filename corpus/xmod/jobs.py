# gilcheck-scope: concurrent
"""Thread targets that get their state as arguments."""
from . import state


def crunch(shared, key):
    """Every thread gets the same dict: check-then-act on it races."""
    if key not in shared:
        shared[key] = []                                    # expect: GIL201


def crunch_own(scratch, key):
    """Every thread gets a dict of its own: nothing is shared."""
    if key not in scratch:
        scratch[key] = []                                   # ok


def tally():
    state.note("tally")
