"""A server process for bench_local.py: ``bare`` websockets echo, or the wsnb emulator.

Usage: python _bench_server.py bare|emulator  — prints ``READY <port>`` and runs until stdin closes.
``BENCH_NODE=1`` serves the echoes as Node.js handlers (node_handlers/echo.mjs). Routes
``cold0``..``cold{COLD_ROUTES - 1}`` are more echo functions, for timing first invocations.
"""

import asyncio
import os
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
COLD_ROUTES = 4


def bare() -> None:
    import websockets
    from websockets.asyncio.server import serve

    async def echo(ws):
        try:
            async for message in ws:
                await ws.send(message)
        except websockets.ConnectionClosed:
            pass

    async def main():
        async with serve(echo, "127.0.0.1", 0, compression=None) as server:
            print("READY", server.sockets[0].getsockname()[1], flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

    asyncio.run(main())


def emulator() -> None:
    sys.path.insert(0, os.path.dirname(HERE))
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from wsnb import WebSocketApi
    from wsnb.local import _trace

    _trace.enable()  # per-message timestamps (a few perf_counter_ns calls per message)

    os.chdir(HERE)
    api = (
        WebSocketApi("Bench")
        .route("echo", "_bench_handlers.echo_response", return_response=True)
        .route("mgmt", "_bench_handlers.echo_mgmt")
        .route("stats", "_bench_handlers.stats", return_response=True)
    )
    if os.environ.get("BENCH_NODE"):  # the same two echoes, as Node.js handlers
        node = {"runtime": "nodejs22.x"}
        api = (
            WebSocketApi("BenchNode")
            .route("echo", "node_handlers/echo.echoResponse", return_response=True, **node)
            .route("mgmt", "node_handlers/echo.echoMgmt", **node)
            .route("stats", "_bench_handlers.stats", return_response=True)
        )
    cold, cold_props = "_bench_handlers.echo_response", {}
    if os.environ.get("BENCH_NODE"):
        cold, cold_props = "node_handlers/echo.echoResponse", {"runtime": "nodejs22.x"}
    for i in range(COLD_ROUTES):
        api = api.route(f"cold{i}", cold, return_response=True, **cold_props)
    if os.environ.get("BENCH_SWITCH"):
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH"]))
    options = (
        {"max_workers": int(os.environ["BENCH_WORKERS"])} if os.environ.get("BENCH_WORKERS") else {}
    )
    server = api.serve(**options)  # the defaults users get
    print("READY", server.port, flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), server.stop()), daemon=True).start()
    server.wait()


if __name__ == "__main__":
    {"bare": bare, "emulator": emulator}[sys.argv[1]]()
