# gilcheck-scope: concurrent
"""A getter that fills a cache -- finds the key missing, makes the value, stores it and returns
what it stored -- is GIL204 (racy-cache-fill, not in the default selection): two threads that
both miss make the value twice and each returns its own, harmless when the values are equal.
So is a set's record of work done (`S.add(k)` with no call after it): the set ends the same.
Every look-alike whose value is not the getter's own -- a parameter, a display, a lock, a value
changed or used after the store, a claim that returns something else, an add before the work it
claims -- stays GIL201."""
import threading

pages = {}
classes = {}
backends = {}
sites = {}
handlers = {}
buckets = {}
locks = {}
owners = {}
counts = {}


def fetch(url):
    return url.upper()


def page(url):
    if url not in pages:
        pages[url] = fetch(url)                                 # expect: GIL204
    return pages[url]


def page_early(url):
    if url in pages:
        return pages[url]
    result = fetch(url)
    pages[url] = result                                         # expect: GIL204
    return result


def derived(base):
    """A class made from the key: each racing thread makes an equal one."""
    if base in classes:
        return classes[base]

    class Derived(base):
        pass
    classes[base] = Derived                                     # expect: GIL204
    return Derived


def backend(scheme, entry_points):
    b = backends.get(scheme)
    if b is not None:
        return b
    for ep in entry_points:
        b = ep()
        backends[scheme] = b                                    # expect: GIL204
        return b
    return None


def site(path, line):
    key = (path, line)
    try:
        return sites[key]
    except KeyError:
        s = fetch(path)
        sites[key] = s                                          # expect: GIL204
        return s


def page_or_none(url):
    if url in pages:
        result = pages[url]
    else:
        result = None
        try:
            result = fetch(url)
        finally:
            pages[url] = result                                 # expect: GIL204
    return result


def exception_class(name):
    """The getter written inline: the entry is read back, whoever stored it."""
    if name not in classes:
        classes[name] = type(name, (Exception,), {})            # expect: GIL204
    cls = classes[name]
    return cls()


def exception_own(name):
    """The thread's own class goes on, not the entry: one thread's class is not the cache's."""
    if name not in classes:
        cls = type(name, (Exception,), {})
        classes[name] = cls                                     # expect: GIL201
        cls.count = 0
    return classes[name]


bad_hosts = set()
kinds = set()
building = set()


def is_known(obj):
    """A set that records what was seen: adding an element twice leaves the same set."""
    if type(obj) in kinds:
        return True
    if isinstance(obj, (list, tuple)):
        kinds.add(type(obj))                                    # expect: GIL204
        return True
    return False


def fetch_host(host):
    """The add records the outcome of the work: two threads that both miss fetch twice."""
    if host in bad_hosts:
        return None
    try:
        return fetch(host)
    except OSError:
        bad_hosts.add(host)                                     # expect: GIL204
    return None


def build(target):
    """The add claims the element before the work: both threads build."""
    if target not in building:
        building.add(target)                                    # expect: GIL201
        fetch(target)


def register(name, handler):
    """The value is the caller's: another thread's handler for the same name is replaced."""
    if name not in handlers:
        handlers[name] = handler                                # expect: GIL201
    return handlers[name]


def bucket(key):
    """A list that callers then fill: one thread's items go to the list that was replaced."""
    if key not in buckets:
        buckets[key] = []                                       # expect: GIL201
    return buckets[key]


def lock_for(key):
    """A lock is only a lock when everyone has the same one."""
    if key not in locks:
        locks[key] = threading.Lock()                           # expect: GIL201
    return locks[key]


def page_counted(url):
    """The value is changed after the store: not a plain fill."""
    if url not in pages:
        value = fetch(url)
        pages[url] = value                                      # expect: GIL201
        value.hits = 1
        return value
    return pages[url]


def claim(job):
    """Returns the answer of the check, not the value: two threads can both win."""
    if job not in owners:
        owners[job] = fetch(job)                                # expect: GIL201
        return True
    return False


def count(word):
    """Not stored: updated.  A read-modify-write, whatever the check."""
    if word in counts:
        counts[word] = counts[word] + 1                         # expect: GIL104
    return counts.get(word)


def page_shared(url):
    value = pages.get(url)
    if value is None:
        value = pages.setdefault(url, fetch(url))               # ok
    return value


for work in (page, page_early, derived, site, page_or_none, exception_class, exception_own,
             is_known, fetch_host, build, bucket, lock_for, page_counted, claim, count,
             page_shared):
    threading.Thread(target=work, args=("k",)).start()
for work in (backend, register):
    threading.Thread(target=work, args=("k", ())).start()
