# gilcheck-scope: concurrent
"""A Flask application: the server runs each request in a thread of its own (the development
server's default since Flask 1.0, and the threaded WSGI servers), so a route's code runs in many
threads at once.  More routes of this app are registered in web_views.py, which imports it;
web_fastapi.py has a FastAPI router.  Look-alikes: a lock around the update, a `route` method
of the program's own registry."""
import threading

from flask import Flask

app = Flask(__name__)

counter = 0
hits = {}
totals = {}
totals_lock = threading.Lock()
calls = 0
checks = 0


@app.route("/")
def index():
    global counter
    counter += 1                                                # expect: GIL101
    return str(counter)


@app.route("/page/<name>")
def page(name):
    hits[name] = hits.get(name, 0) + 1                          # expect: GIL104
    return name


@app.route("/total/<name>")
def total(name):
    with totals_lock:
        totals[name] = totals.get(name, 0) + 1                  # ok: under the lock
    return name


def health():
    global checks
    checks += 1                                                 # expect: GIL101
    return "ok"


app.add_url_rule("/health", view_func=health)


class Registry(object):
    """A registry of the program's own, not a web framework."""

    def route(self, path):
        def register(func):
            return func
        return register


registry = Registry()


@registry.route("/cli")
def command():
    global calls
    calls += 1                                                  # ok: not a web route
    return calls
