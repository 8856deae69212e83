# gilcheck-scope: concurrent
"""A function becomes concurrent when it is handed to another thread, in any of the standard ways,
or when such a function calls it. Functions nothing hands to a thread stay quiet, and so does
state that only one thread touches: each counter below races with the main thread's reset."""
import _thread
import asyncio
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor

downloads = 0
uploads = 0
parsed = 0
resized = 0
beats = 0
compressed = 0
checksums = 0
pings = 0
failures = {}
reports = 0
summaries = {}
ticks = 0


def download(url):
    global downloads
    downloads += 1                                          # expect: GIL101
    if not url.startswith("http"):
        note_failure(url)
    return url


def note_failure(url):
    failures[url] = failures.get(url, 0) + 1                # expect: GIL104


class Uploader(threading.Thread):
    def __init__(self, files):
        super(Uploader, self).__init__()
        self.files = files

    def run(self):
        global uploads
        for name in self.files:
            uploads += 1                                    # expect: GIL101
            self.last = name                                # ok


def parse(page):
    global parsed
    parsed += 1                                             # expect: GIL101
    return len(page)


def resize(image):
    global resized
    resized = resized + 1                                   # expect: GIL101
    return image


def heartbeat():
    global beats
    beats += 1                                              # expect: GIL101


def compress(data):
    global compressed
    compressed += len(data)                                 # expect: GIL101
    return zlib.compress(data)


def checksum(data):
    global checksums
    checksums += 1                                          # expect: GIL101
    return zlib.crc32(data)


def ping(host):
    global pings
    pings += 1                                              # expect: GIL101


def tick():
    """Started once, and nothing else writes `ticks`: one thread, no race."""
    global ticks
    ticks += 1                                              # ok


def reset_counters():
    """The main thread zeroes the counters while the threads still run."""
    global downloads, uploads, parsed, resized, beats, compressed, checksums, pings
    downloads = uploads = parsed = resized = beats = 0      # ok
    compressed = checksums = pings = 0                      # ok
    failures.clear()                                        # ok


def report():
    """Called only by main(), on the main thread."""
    global reports
    reports += 1                                            # ok
    summaries["downloads"] = summaries.get("downloads", 0) + downloads  # ok


async def handle(data):
    loop = asyncio.get_event_loop()
    digest = await loop.run_in_executor(None, checksum, data)
    small = await asyncio.to_thread(compress, data)
    return digest, small


def main():
    threading.Thread(target=download, args=("http://example.com/",)).start()
    Uploader(["a.png", "b.png"]).start()
    with ThreadPoolExecutor(max_workers=4) as ex:
        ex.submit(parse, "<html></html>")
        list(ex.map(resize, [b"x", b"y"]))
    threading.Timer(30.0, heartbeat).start()
    _thread.start_new_thread(ping, ("localhost",))
    threading.Thread(target=tick).start()
    asyncio.get_event_loop().run_until_complete(handle(b"payload"))
    reset_counters()
    report()


if __name__ == "__main__":
    main()
