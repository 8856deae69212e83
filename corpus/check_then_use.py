# gilcheck-scope: concurrent
"""Check-then-use: a shared attribute or global is tested (`is not None`, truth) and then read
again to be used, while another thread can set it to None in between. Reading it once into a
local and using the local is the fix; without a thread that clears it there is no race."""
import threading


class Connection(object):
    def __init__(self, sock):
        self.sock = sock
        self.timer = None
        self.name = "conn"

    def send(self, data):
        if self.sock is not None:                               # ok
            self.sock.sendall(data)                             # expect: GIL203

    def send_safely(self, data):
        sock = self.sock
        if sock is not None:                                    # ok
            sock.sendall(data)                                  # ok

    def close(self):
        self.sock = None

    def cancel(self):
        if self.timer:                                          # ok
            self.timer.cancel()                                 # ok

    def rename(self, name):
        if self.name:                                           # ok
            print(self.name.upper())                            # ok

    def set_name(self, name):
        self.name = name


conn = Connection(None)
for work in (conn.send, conn.send_safely, conn.close, conn.cancel, conn.rename, conn.set_name):
    threading.Thread(target=work, args=(b"x",)).start()
