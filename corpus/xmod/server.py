# gilcheck-scope: concurrent
"""A threading server: one handler object and one thread per request."""
import socketserver

requests = 0


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        self.count = 0

    def handle(self):
        global requests
        requests += 1                                       # expect: GIL101
        self.count += 1                                     # ok


def make_server():
    return socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
