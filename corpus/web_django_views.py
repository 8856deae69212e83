# gilcheck-scope: concurrent
"""The views of the Django URL conf in web_django_urls.py: each request runs its view in a
thread of its own."""
import threading

from django.http import HttpResponse

hits = 0
totals = {}
_lock = threading.Lock()
_cache = {}
streamed = 0


def index(request):
    global hits
    hits += 1                                                   # expect: GIL101
    with _lock:
        totals["index"] = totals.get("index", 0) + 1            # ok: under the lock
    return HttpResponse(str(hits))


def lookup(request, key):
    if key not in _cache:
        _cache[key] = [key]                                     # expect: GIL201
    return HttpResponse(str(_cache.get(key)))


async def stream(request):
    global streamed
    streamed += 1                                               # ok: runs on the event loop
    return HttpResponse("")


def helper():
    global hits
    hits = 0                                                    # ok: nothing routes or calls it
