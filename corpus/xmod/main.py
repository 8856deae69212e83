# gilcheck-scope: concurrent
"""Starts the threads of the program."""
import threading

from . import jobs, server, state


def main():
    for target in (state.work, jobs.tally):
        threading.Thread(target=target).start()
        threading.Thread(target=target).start()
    for key in ("a", "b"):
        threading.Thread(target=jobs.crunch, args=(state.cache, key)).start()
        threading.Thread(target=jobs.crunch_own, args=({}, key)).start()
    server.make_server().serve_forever()


if __name__ == "__main__":
    main()
