"""Local emulator speed vs a bare ``websockets`` echo server, measured in the same run.

    .venv/bin/python benchmarks/bench_local.py [--quick]

Server and load generator are separate processes on 127.0.0.1; every loop is bounded in count
and time. Scenarios (1 and 50 connections, one message in flight per connection):
  bare   websockets echo, compression=None (the baseline)
  (a)    a return_response echo route            target: >= 50% of bare
  (b)    echo through post_to_connection (module-level boto3 client)
         target: >= 3x serverless-offline's ~790 rt/s at 50 connections, no failed messages;
         the emulator's own overhead per message (round trip - bare round trip - time inside
         the handler incl. boto3) < 100 us
  (c)    2,000 connections held open at once, each answered; server RSS < 300 MB
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
SLS_OFFLINE_MGMT_50 = 790.0  # rt/s, serverless-offline management-API echo, 50 connections (notes/peer-emulators.md)


def raise_fd_limit(want: int = 16384) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))


def start_server(mode: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([PY, os.path.join(HERE, "_bench_server.py"), mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("READY") or not line:
            break
    if not line.startswith("READY"):
        proc.kill()
        raise SystemExit(f"{mode} server did not start")
    return proc, int(line.split()[1])


def stop_server(proc: subprocess.Popen) -> None:
    try:
        proc.stdin.close()
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def load(port: int, n: int, m: int, action: str, server_pid: int, *, hold: bool = False, deadline: float = 120) -> dict:
    args = [PY, os.path.join(HERE, "_loadgen.py"), f"ws://127.0.0.1:{port}", "-n", str(n), "-m", str(m), "--action", action, "--deadline", str(deadline)]
    if hold:
        args.append("--hold")
    peak = [rss_mb(server_pid)]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            try:
                peak[0] = max(peak[0], rss_mb(server_pid))
            except OSError:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = subprocess.run(args, capture_output=True, text=True, timeout=deadline + 60)
    done.set()
    sampler.join()
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["rss_mb"] = peak[0]
    return result


def handler_stats(port: int) -> dict:
    import websockets

    async def go():
        async with websockets.connect(f"ws://127.0.0.1:{port}", compression=None) as ws:
            await ws.send(json.dumps({"action": "stats"}))
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    return asyncio.run(go())


def row(name: str, r: dict, base: dict | None) -> str:
    ratio = f"{r['rt_s'] / base['rt_s']:.2f}" if base else "1"
    failed = r["sent"] - r["ok"]
    return (
        f"| {name} | {r['ok']}/{r['sent']} | {r['rt_s']:.0f} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {r['rss_mb']:.0f} | "
        f"{ratio} | {failed} failed, {r['bad']} bad |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer messages, 500 held connections")
    args = parser.parse_args()
    raise_fd_limit()
    m1, m50, held = (500, 50, 500) if args.quick else (2000, 200, 2000)
    results: dict[str, dict] = {}

    proc, port = start_server("bare")
    try:
        load(port, 1, 200, "echo", proc.pid)  # warm up
        results["bare 1"] = load(port, 1, m1, "echo", proc.pid)
        results["bare 50"] = load(port, 50, m50, "echo", proc.pid)
        results["bare hold"] = load(port, held, 1, "echo", proc.pid, hold=True)
    finally:
        stop_server(proc)

    proc, port = start_server("emulator")
    try:
        load(port, 1, 200, "echo", proc.pid)
        load(port, 1, 200, "mgmt", proc.pid)
        handler_stats(port)
        results["(a) 1"] = load(port, 1, m1, "echo", proc.pid)
        results["(a) 50"] = load(port, 50, m50, "echo", proc.pid)
        results["(b) 1"] = load(port, 1, m1, "mgmt", proc.pid)
        stats_1 = handler_stats(port)
        results["(b) 50"] = load(port, 50, m50, "mgmt", proc.pid)
        stats_50 = handler_stats(port)
        results["(c) hold"] = load(port, held, 1, "echo", proc.pid, hold=True)
    finally:
        stop_server(proc)

    bare1, bare50 = results["bare 1"], results["bare 50"]
    print("| scenario | ok/sent | rt/s | p50 ms | p99 ms | server RSS MB | ratio vs bare | failures |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        base = bare1 if name.endswith(" 1") else bare50 if name.endswith(" 50") else None
        print(row(name, r, base if not name.startswith("bare") else None))
    over_a = (results["(a) 1"]["mean_ms"] - bare1["mean_ms"]) * 1000
    over_b = (results["(b) 1"]["mean_ms"] - bare1["mean_ms"]) * 1000 - stats_1["mean_us"]
    b50 = results["(b) 50"]
    hold = results["(c) hold"]
    print()
    print(f"(a) return_response echo: {results['(a) 1']['rt_s'] / bare1['rt_s']:.2f}x bare at 1 conn, "
          f"{results['(a) 50']['rt_s'] / bare50['rt_s']:.2f}x at 50 (target >= 0.50); emulator overhead per message {over_a:.0f} us")
    print(f"(b) post_to_connection echo at 50 conns: {b50['rt_s']:.0f} rt/s = {b50['rt_s'] / SLS_OFFLINE_MGMT_50:.1f}x "
          f"serverless-offline (target >= 3x), {b50['sent'] - b50['ok']} failed")
    print(f"    time inside the handler (incl. boto3): mean {stats_1['mean_us']:.0f} us (1 conn), {stats_50['mean_us']:.0f} us (50 conns); "
          f"emulator overhead beyond it at 1 conn: {over_b:.0f} us (target < 100)")
    print(f"(c) {held} held connections: {hold['ok']}/{hold['sent']} answered, {hold['connect_failed']} connect failures, "
          f"server peak RSS {hold['rss_mb']:.0f} MB (target < 300), bare {results['bare hold']['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
