# gilcheck-scope: concurrent
"""Things created on first use: configuration, parsers, engines, sessions. Two threads that both
see "not created yet" both create it, and one of them keeps a copy nobody else sees."""
import json
import threading

DEFAULT_TIMEOUT = 30.0

_config = None
_parser = None
_engine = None
_engine_lock = threading.Lock()
_index = None
_index_lock = threading.Lock()
_plugins = None
_plugins_lock = threading.Lock()
_cache = None


def load_config():
    return {"timeout": DEFAULT_TIMEOUT}


def get_config():
    global _config
    if _config is None:                                     # ok
        _config = load_config()                             # expect: GIL202
    return _config


def get_parser():
    global _parser
    if not _parser:
        _parser = json.JSONDecoder()                        # expect: GIL202
    return _parser


def get_cache():
    global _cache
    if _cache is None:
        _cache = {}                                         # expect: GIL202
    return _cache


def get_engine():
    """Double-checked locking: check, lock, check again."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = object()                          # ok
    return _engine


def get_index():
    """Checks only outside the lock: two threads can both get past the check."""
    global _index
    if _index is None:
        with _index_lock:
            _index = dict.fromkeys(range(100))              # expect: GIL202
    return _index


def get_plugins():
    global _plugins
    with _plugins_lock:
        if _plugins is None:
            _plugins = []                                   # ok
        return _plugins


def fetch(url, timeout=None):
    if timeout is None:
        timeout = get_config()["timeout"]                   # ok
    return get_parser().decode("[]"), url, timeout


class Client(object):
    def __init__(self, host):
        self._lock = threading.Lock()
        self.host = host
        self._session = None                                # ok
        self._token = None                                  # ok
        self._headers = None                                # ok

    def session(self):
        if self._session is None:
            # a class that only uses a lock, with no thread in sight and not declared thread-safe
            self._session = {"host": self.host}             # ok
        return self._session

    def token(self):
        if self._token is None:
            with self._lock:
                if self._token is None:
                    self._token = "token-for-" + self.host  # ok
        return self._token

    def forget_token(self):
        with self._lock:
            self._token = None                              # ok

    def headers(self):
        with self._lock:
            if self._headers is None:
                self._headers = {"Host": self.host}         # ok
            return self._headers


def warm_up():
    get_config()
    get_parser()
    get_cache()
    get_engine()
    get_index()
    get_plugins()
    fetch("http://example.com/")


if __name__ == "__main__":
    for _ in range(4):
        threading.Thread(target=warm_up).start()
