# gilcheck-scope: concurrent
"""Sessions, jobs and handlers kept in shared containers: checks that go stale before the act,
and the idioms that need no check."""
import queue
import threading

_sessions = {}
_handlers = {}
_pool = {}
_jobs = []
_online = set()
_subscribers = {}
_building = set()
_building_racy = set()
_registry = {}
_plugins = {}
_pages = {}
_loaded = set()
_registry_lock = threading.Lock()
_work = queue.Queue()


class Connection(object):
    def __init__(self, host):
        self.host = host


def open_session(sid, user):
    if sid not in _sessions:                                # ok
        _sessions[sid] = {"user": user}                     # expect: GIL201


def close_session(sid):
    if sid in _sessions:
        del _sessions[sid]                                  # expect: GIL201


def session_user(sid):
    if sid in _sessions:
        return _sessions[sid]["user"]                       # expect: GIL201
    return None


def expire_session(sid):
    _sessions.pop(sid, None)                                # ok


def set_session(sid, user):
    _sessions[sid] = {"user": user}                         # ok


def add_handler(name, fn):
    _handlers[name] = fn                                    # ok


def find_handler(name):
    if name in _handlers:
        return _handlers[name]                              # ok
    return _handlers.get("default")                         # ok


def connection(host):
    conn = _pool.get(host)
    if conn is None:
        conn = Connection(host)                             # ok
        _pool[host] = conn                                  # expect: GIL204
    return conn


def next_job():
    if _jobs:
        return _jobs.pop()                                  # expect: GIL201
    return None


def next_job_by_size():
    if len(_jobs) > 0:
        return _jobs.pop()                                  # expect: GIL201
    return None


def trim_jobs():
    """A threshold, not an emptiness test: two threads that both trim leave fewer jobs, and
    neither pop can find the list empty."""
    if len(_jobs) >= 100:
        _jobs.pop(0)                                        # ok


def pending_jobs():
    count = len(_jobs)                                      # ok
    return count


def drain():
    done = []
    while _jobs:
        done.append(_jobs.pop())                            # expect: GIL201
    return done


def next_job_or_none():
    try:
        return _jobs.pop()                                  # ok
    except IndexError:
        return None


def add_job(job):
    _jobs.append(job)                                       # ok


def go_offline(user):
    if user in _online:
        _online.remove(user)                                # expect: GIL201


def go_offline_quietly(user):
    _online.discard(user)                                   # ok


def go_online(user):
    _online.add(user)                                       # ok


def subscribe(topic, fn):
    _subscribers.setdefault(topic, []).append(fn)           # ok


def drop_topic(topic):
    try:
        del _subscribers[topic]                             # ok
    except KeyError:
        pass


def publish(topic, message):
    for fn in _subscribers.get(topic, []):                  # ok
        fn(message)


def register(name, factory):
    with _registry_lock:
        if name not in _registry:
            _registry[name] = factory()                     # ok


def lookup(name):
    with _registry_lock:
        if name in _registry:
            return _registry[name]                          # ok
    return None


def unregister(name):
    with _registry_lock:
        if name in _registry:
            del _registry[name]                             # ok


def register_fast(name, factory):
    if name not in _registry:
        _registry[name] = factory()                         # expect: GIL201


def build(target):
    """A claim: the check and the add are one step under the lock, and the remove takes out
    what this call added itself."""
    while True:
        with _registry_lock:
            if target not in _building:
                _building.add(target)
                break
    try:
        print(target)
    finally:
        with _registry_lock:
            _building.remove(target)                    # ok: removes its own claim


def build_racy(target):
    if target not in _building_racy:
        _building_racy.add(target)                      # expect: GIL201
        print(target)
        _building_racy.remove(target)                   # ok: the claim's own race, at the add


def load_plugin(name, factory):
    """The check as an early return: the write needs the key absent, as `if name not in`."""
    if name in _plugins:
        return
    _plugins[name] = factory()                              # expect: GIL201


def load_once(name):
    if name in _loaded:
        return
    with _registry_lock:
        _loaded.add(name)                                   # expect: GIL204


def forget_plugin(name):
    """Another thread's removal between the check and the write breaks nothing: the key is
    absent either way."""
    with _registry_lock:
        _loaded.discard(name)                               # ok


def fetch_page(url):
    """The test guards the key it tests, not another one the same code writes."""
    if url in _pages:
        return _pages[url]
    final = url.rstrip("/")
    _pages[final] = "page"                                  # ok
    _pages[url] = "page"                                    # expect: GIL201


class Poller(object):
    """The main thread registers sockets, the poll thread drops closed ones: the registration's
    check needs the key absent, and a drop keeps it absent."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sockets = {}

    def add(self, fd, sock):
        if fd in self.sockets:
            return
        with self.lock:
            self.sockets[fd] = sock                         # ok

    def poll(self):
        while True:
            with self.lock:
                self.sockets.pop(3, None)


poller = Poller()


def produce(item):
    _work.put(item)                                         # ok


def consume():
    return _work.get(timeout=1.0)                           # ok


def serve(requests):
    for kind, arg in requests:
        if kind == "open":
            open_session(arg, "guest")
            set_session(arg, "guest")
        elif kind == "close":
            close_session(arg)
            expire_session(arg)
        elif kind == "user":
            session_user(arg)
        elif kind == "handler":
            add_handler(arg, print)
            find_handler(arg)
        elif kind == "connect":
            connection(arg)
        elif kind == "job":
            add_job(arg)
            next_job()
            next_job_by_size()
            pending_jobs()
            trim_jobs()
            next_job_or_none()
            drain()
        elif kind == "presence":
            go_online(arg)
            go_offline(arg)
            go_offline_quietly(arg)
        elif kind == "pubsub":
            subscribe(arg, print)
            publish(arg, "hello")
            drop_topic(arg)
        elif kind == "registry":
            register(arg, dict)
            register_fast(arg, dict)
            lookup(arg)
            unregister(arg)
            build(arg)
            build_racy(arg)
            load_plugin(arg, dict)
            load_once(arg)
            forget_plugin(arg)
            fetch_page(arg)
        else:
            produce(arg)
            consume()


if __name__ == "__main__":
    work = [("open", 1), ("user", 1), ("close", 1), ("job", "build")]
    threads = [threading.Thread(target=serve, args=(work,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    threading.Thread(target=poller.poll, daemon=True).start()
    poller.add(3, None)
