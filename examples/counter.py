"""A small program with a lost-update bug: four threads increment a shared counter."""
import threading

count = 0
lock = threading.Lock()


def work(n):
    global count
    for _ in range(n):
        count += 1          # not atomic: load, add, store


def safe_work(n):
    global count
    for _ in range(n):
        with lock:
            count += 1      # the lock makes the read-modify-write atomic


if __name__ == "__main__":
    threads = [threading.Thread(target=work, args=(200_000,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(count, "of", 4 * 200_000)
