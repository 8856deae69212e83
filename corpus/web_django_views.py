# gilcheck-scope: concurrent
"""The views of the Django URL conf in web_django_urls.py: each request runs its view in a
thread of its own."""
import threading

from django.http import HttpResponse
from django.views import View

hits = 0
totals = {}
_lock = threading.Lock()
_cache = {}
streamed = 0
reports = 0


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


class ReportView(View):
    """A class-based view: an instance per request, its get() in the request's thread."""
    served = 0

    def get(self, request):
        global reports
        reports += 1                                            # expect: GIL101
        ReportView.served += 1                                  # expect: GIL103
        self.rows = []
        self.rows.append(reports)                               # ok: this request's object
        self.pages = 1
        self.pages += 1                                         # ok: this request's object
        return HttpResponse(str(reports))

    async def post(self, request):
        global streamed
        streamed += 1                                           # ok: runs on the event loop
        return HttpResponse("")


class DraftView(View):
    """Named by no URL conf: not a route."""
    def get(self, request):
        global reports
        reports = 0                                             # ok: nothing routes it
        return HttpResponse("")
