"""Load generator for bench_local.py (its own process; 127.0.0.1 only; bounded).

``python _loadgen.py URL -n N -m M --action echo --deadline S`` — N connections at once, each
sends M messages ``{"action", "data", "seq"}`` one at a time and waits for the echo with the
same ``seq``. ``--hold`` opens all N first, then each sends one message. Prints one JSON line.
"""

import argparse
import asyncio
import json
import time


async def worker(url, m, action, lat, counts, deadline, gate=None, opened=None, go=None):
    import websockets

    try:
        async with gate or _null():
            ws = await websockets.connect(
                url, compression=None, max_size=None, open_timeout=30, ping_interval=None
            )
    except Exception:
        counts["connect_failed"] += 1
        if opened is not None:
            opened.release()
        return
    try:
        if opened is not None:
            opened.release()
            await go.wait()
        for i in range(m):
            if time.monotonic() > deadline:
                counts["aborted"] += 1
                return
            msg = json.dumps({"action": action, "data": "x" * 64, "seq": i})
            t = time.perf_counter()
            await ws.send(msg)
            while True:
                reply = await asyncio.wait_for(ws.recv(), 10)
                try:
                    ok = json.loads(reply).get("seq") == i
                except (ValueError, AttributeError):
                    ok = False
                if ok:
                    break
                counts["bad"] += 1
            lat.append(time.perf_counter() - t)
    except Exception:
        counts["aborted"] += 1
    finally:
        await ws.close()


class _null:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *a):
        return False


async def main(args):
    lat: list[float] = []
    counts = {"bad": 0, "aborted": 0, "connect_failed": 0}
    deadline = time.monotonic() + args.deadline
    started = time.perf_counter()
    if args.hold:
        gate = asyncio.Semaphore(100)
        opened = asyncio.Semaphore(0)
        go = asyncio.Event()
        tasks = [
            asyncio.ensure_future(
                worker(args.url, args.m, args.action, lat, counts, deadline, gate, opened, go)
            )
            for _ in range(args.n)
        ]
        for _ in range(args.n):
            await opened.acquire()
        held = time.perf_counter() - started
        print(json.dumps({"held": args.n - counts["connect_failed"]}), flush=True)
        await asyncio.sleep(args.pause)
        go.set()
        await asyncio.gather(*tasks)
    else:
        held = None
        await asyncio.gather(
            *(worker(args.url, args.m, args.action, lat, counts, deadline) for _ in range(args.n))
        )
    elapsed = time.perf_counter() - started
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else None  # noqa: E731
    print(
        json.dumps(
            {
                "ok": len(lat),
                "sent": args.n * args.m,
                **counts,
                "elapsed": elapsed,
                "open_s": held,
                "rt_s": len(lat) / elapsed if elapsed else 0,
                "p50_ms": pct(0.5),
                "p99_ms": pct(0.99),
                "mean_ms": sum(lat) / len(lat) * 1000 if lat else None,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("-n", type=int, default=1)
    p.add_argument("-m", type=int, default=100)
    p.add_argument("--action", default="echo")
    p.add_argument("--deadline", type=float, default=60)
    p.add_argument("--hold", action="store_true")
    p.add_argument("--pause", type=float, default=1.0)
    asyncio.run(main(p.parse_args()))
