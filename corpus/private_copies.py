# gilcheck-scope: concurrent
"""A copy of shared state is the caller's own: changing the copy changes nothing shared."""
import threading

MESSAGES = {"motd": {"text": "hello"}}
settings = {"retries": 3}


def render(name):
    msg = MESSAGES[name].copy()
    msg["type"] = msg.get("type", "info")                       # ok: a copy
    return msg


def render_racy(name):
    msg = MESSAGES[name]
    msg["type"] = msg.get("type", "info")                       # expect: GIL104
    return msg


def tune():
    local = settings.copy()
    local["retries"] = local["retries"] + 1                     # ok: a copy
    settings["retries"] = settings["retries"] + 1               # expect: GIL104


for _ in range(2):
    threading.Thread(target=render, args=("motd",)).start()
    threading.Thread(target=render_racy, args=("motd",)).start()
    threading.Thread(target=tune).start()
