"""The racy counter the command-line tests share: GIL101 at line 8, column 5 (`count += 1`)."""

RACY_TEXT = """import threading

count = 0


def work():
    global count
    count += 1%s


for _ in range(2):
    threading.Thread(target=work).start()
"""

RACY = RACY_TEXT % ""                        # text
RACY_BYTES = RACY.encode()                   # bytes
RACY_TEMPLATE = RACY_TEXT.encode()           # bytes with a %s after `count += 1`
