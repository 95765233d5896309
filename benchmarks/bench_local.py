"""Local emulator speed vs a bare ``websockets`` echo server, measured in the same run.

    .venv/bin/python benchmarks/bench_local.py [--quick] [--runs 3] [--pin]

Server and load generator are separate processes on 127.0.0.1; every loop is bounded in count
and time. Scenarios (1 and 50 connections, one message in flight per connection):
  bare   websockets echo, compression=None (the baseline)
  (a)    a return_response echo route            target: >= 50% of bare
  (b)    echo through post_to_connection (module-level boto3 client)
         target: >= 3x serverless-offline's ~790 rt/s at 50 connections, no failed messages;
         the emulator's own overhead per message < 100 us, measured in process (wsnb.local._trace:
         frame received -> handler start, plus management call -> frame written)
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
SLS_OFFLINE_MGMT_50 = (
    790.0  # rt/s, serverless-offline management-API echo, 50 connections (notes/peer-emulators.md)
)


def raise_fd_limit(want: int = 16384) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))


PIN: dict[str, int] = {}  # --pin: {"server": cpu, "load": cpu}


def _pinned(role: str):
    cpu = PIN.get(role)
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def start_server(mode: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [PY, os.path.join(HERE, "_bench_server.py"), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_pinned("server"),
    )
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


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(
    port: int,
    n: int,
    m: int,
    action: str,
    server_pid: int,
    *,
    hold: bool = False,
    deadline: float = 120,
) -> dict:
    args = [
        PY,
        os.path.join(HERE, "_loadgen.py"),
        f"ws://127.0.0.1:{port}",
        "-n",
        str(n),
        "-m",
        str(m),
        "--action",
        action,
        "--deadline",
        str(deadline),
    ]
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
    cpu0 = cpu_s(server_pid)
    out = subprocess.run(
        args, capture_output=True, text=True, timeout=deadline + 60, preexec_fn=_pinned("load")
    )
    cpu1 = cpu_s(server_pid)
    done.set()
    sampler.join()
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["rss_mb"] = peak[0]
    result["cpu_us"] = (cpu1 - cpu0) / max(1, result["ok"]) * 1e6  # server CPU per answered message
    return result


def handler_stats(port: int) -> dict:
    """Handler timings and the emulator's per-message trace since the last call (then reset)."""
    import websockets

    async def go():
        async with websockets.connect(f"ws://127.0.0.1:{port}", compression=None) as ws:
            await ws.send(json.dumps({"action": "stats"}))
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    return asyncio.run(go())


def run_once(quick: bool) -> tuple[dict, dict]:
    """One full run: every scenario once. Returns (load results, trace summaries)."""
    m1, m50, held = (500, 50, 500) if quick else (2000, 200, 2000)
    results: dict[str, dict] = {}
    traces: dict[str, dict] = {}

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
        for name, n, m, action in (
            ("(a) 1", 1, m1, "echo"),
            ("(a) 50", 50, m50, "echo"),
            ("(b) 1", 1, m1, "mgmt"),
            ("(b) 50", 50, m50, "mgmt"),
        ):
            handler_stats(port)  # reset
            results[name] = load(port, n, m, action, proc.pid)
            traces[name] = handler_stats(port)
        results["(c) hold"] = load(port, held, 1, "echo", proc.pid, hold=True)
    finally:
        stop_server(proc)
    return results, traces


def _median(values: list[float]) -> float:
    values = sorted(v for v in values if v is not None)
    if not values:
        return float("nan")
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def merge(runs: list[dict]) -> dict:
    """Median of every numeric field across runs (counts summed)."""
    out: dict = {}
    for key, first in runs[0].items():
        if isinstance(first, dict):
            out[key] = merge([r[key] for r in runs])
        elif isinstance(first, (int, float)) and not isinstance(first, bool):
            if key in ("ok", "sent", "bad", "aborted", "connect_failed"):
                out[key] = sum(r[key] for r in runs)
            else:
                out[key] = _median([r[key] for r in runs])
        else:
            out[key] = first
    return out


def row(name: str, r: dict, base: dict | None) -> str:
    ratio = f"{r['rt_s'] / base['rt_s']:.2f}" if base else "1"
    failed = r["sent"] - r["ok"]
    return (
        f"| {name} | {r['ok']}/{r['sent']} | {r['rt_s']:.0f} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {r['rss_mb']:.0f} | "
        f"{r['cpu_us']:.0f} | {ratio} | {failed} failed, {r['bad']} bad |"
    )


def _cell(stat: dict) -> str:
    return f"{stat['mean_us']:.0f} / {stat['p50_us']:.0f}" if stat["n"] else "-"


def report(results: dict, traces: dict, held: int, runs: int) -> None:
    bare1, bare50 = results["bare 1"], results["bare 50"]
    pinned = (
        f"; server pinned to CPU {PIN['server']}, load generator to CPU {PIN['load']}"
        if PIN
        else "; not pinned"
    )
    print(
        f"median of {runs} run(s){pinned}; server CPU us/msg = server process CPU time / answered messages"
    )
    print(
        "| scenario | ok/sent | rt/s | p50 ms | p99 ms | server RSS MB | server CPU us/msg | ratio vs bare | failures |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        base = bare1 if name.endswith(" 1") else bare50 if name.endswith(" 50") else None
        print(row(name, r, base if not name.startswith("bare") else None))
    print()
    print("emulator's own time per message, from in-process timestamps (us; mean / p50):")
    print(
        "  pre = frame received -> handler starts; post = handler returns -> reply frame written;"
    )
    print(
        "  mgmt = management call reaches the emulator -> its frame written; overhead = pre + (mgmt or post)"
    )
    print(
        "  (pre = route: frame -> job queued, + wake: job queued -> handler starts on its thread)"
    )
    print(
        "  beyond = server-side round trip minus the handler's and boto3's own time on it (see wsnb.local._trace)"
    )
    print(
        "| scenario | pre | route | wake | post | mgmt | overhead | beyond | handler (incl. boto3) | n |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, t in traces.items():
        tr = t["trace"]
        cells = " | ".join(
            _cell(tr[k])
            for k in ("pre", "route", "wake", "post", "mgmt", "overhead", "beyond", "handler")
        )
        print(f"| {name} | {cells} | {tr['overhead']['n']} |")
    b50 = results["(b) 50"]
    hold = results["(c) hold"]
    ob1 = traces["(b) 1"]["trace"]["overhead"]
    print()
    print(
        f"(a) return_response echo: {results['(a) 1']['rt_s'] / bare1['rt_s']:.2f}x bare at 1 conn, "
        f"{results['(a) 50']['rt_s'] / bare50['rt_s']:.2f}x at 50 (target >= 0.50)"
    )
    print(
        f"(b) post_to_connection echo at 50 conns: {b50['rt_s']:.0f} rt/s = {b50['rt_s'] / SLS_OFFLINE_MGMT_50:.1f}x "
        f"serverless-offline (target >= 3x = {3 * SLS_OFFLINE_MGMT_50:.0f}), {b50['sent'] - b50['ok']} failed"
    )
    bb1 = traces["(b) 1"]["trace"]["beyond"]
    print(
        f"    emulator overhead per message at 1 conn: pre + mgmt mean {ob1['mean_us']:.0f} us, p50 {ob1['p50_us']:.0f} us; "
        f"beyond handler + boto3 mean {bb1['mean_us']:.0f} us, p50 {bb1['p50_us']:.0f} us (target < 100)"
    )
    print(f"    time inside the handler incl. boto3: mean {traces['(b) 1']['mean_us']:.0f} us")
    print()
    print("emulator CPU per message (us) = server CPU/msg - bare server CPU/msg (same connections)")
    print("  - (handler thread CPU - the emulator's in-process management answer inside it):")
    for name, t in traces.items():
        tr = t["trace"]
        bare = bare1 if name.endswith(" 1") else bare50
        handler_only = tr["handler_cpu"]["mean_us"] - tr["answer_cpu"]["mean_us"]
        emu = results[name]["cpu_us"] - bare["cpu_us"] - handler_only
        print(
            f"  {name}: {results[name]['cpu_us']:.0f} - {bare['cpu_us']:.0f} - ({tr['handler_cpu']['mean_us']:.0f} - "
            f"{tr['answer_cpu']['mean_us']:.0f}) = {emu:.0f}"
        )
    print(
        f"(c) {held} held connections: {hold['ok']}/{hold['sent']} answered, {hold['connect_failed']} connect failures, "
        f"server peak RSS {hold['rss_mb']:.0f} MB (target < 300), bare {results['bare hold']['rss_mb']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer messages, 500 held connections")
    parser.add_argument(
        "--runs", type=int, default=1, help="repeat the whole benchmark; report medians"
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="server process on one CPU, load generator on another (every scenario)",
    )
    args = parser.parse_args()
    if args.pin:
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            raise SystemExit("--pin needs two CPUs")
        PIN.update(server=cpus[0], load=cpus[1])
    raise_fd_limit()
    all_results, all_traces = [], []
    for i in range(max(1, min(args.runs, 10))):
        results, traces = run_once(args.quick)
        all_results.append(results)
        all_traces.append(traces)
        if args.runs > 1:
            print(
                f"run {i + 1}: " + ", ".join(f"{k} {v['rt_s']:.0f}" for k, v in results.items()),
                flush=True,
            )
    report(merge(all_results), merge(all_traces), 500 if args.quick else 2000, len(all_results))


if __name__ == "__main__":
    main()
