# gilcheck-scope: concurrent
"""A FastAPI router: a route that is a plain function runs in the server's thread pool, one
that is a coroutine on its event loop."""
from fastapi import APIRouter

router = APIRouter()
ticks = 0
aticks = 0
seen = {}
pings = 0
apings = 0


@router.get("/tick")
def tick():
    global ticks
    ticks += 1                                                  # expect: GIL101
    return ticks


@router.post("/claim/{key}")
def claim(key: str):
    if key not in seen:
        seen[key] = True                                        # expect: GIL201
        return True
    return False


@router.get("/atick")
async def atick():
    global aticks
    aticks += 1                                                 # ok: a coroutine, one event-loop thread
    return aticks


def ping():
    global pings
    pings += 1                                                  # expect: GIL101
    return pings


async def aping():
    global apings
    apings += 1                                                 # ok: a coroutine
    return apings


router.add_api_route("/ping", ping)
router.add_api_route("/aping", aping)
