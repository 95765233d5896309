"""lint() on integration routes (SPEC §9): mapping templates are parsed by the Velocity engine,
once per template text.

Run: python benchmarks/bench_integration_lint.py
Baseline measured in the same run: lint() of the same number of Lambda-proxy routes (no
templates). Reported: the first lint of a 50-route integration API in a fresh process (engine
import + parsing every template), and a repeated lint (every template cached), with ratios.
Aim: a repeated lint within a few times the proxy baseline (it runs on every display).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SNIPPET = """
import time, warnings
warnings.simplefilter("ignore")
from wsnb import WebSocketApi, MockIntegration, IntegrationResponse
KIND = {kind!r}
api = WebSocketApi("Api")
for i in range(50):
    if KIND == "proxy":
        api.route(f"a{{i}}", "src/h.main")
    else:
        api.route(f"a{{i}}", MockIntegration(
            request_templates={{"$default": '#set($n = ' + str(i) + ')\\n{{"statusCode": 200, "n": $n}}'}},
            responses=[IntegrationResponse(templates={{"$default": '{{"i": ' + str(i) + ', "b": $input.body}}'}})],
        ), return_response=True)
t0 = time.perf_counter(); api.lint(); first = time.perf_counter() - t0
runs = []
for _ in range(20):
    t0 = time.perf_counter(); api.lint(); runs.append(time.perf_counter() - t0)
runs.sort()
print(first, runs[len(runs) // 2])
"""


def measure(kind: str, n: int = 5) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    firsts, repeats = [], []
    for _ in range(n):
        out = subprocess.run(
            [sys.executable, "-c", SNIPPET.format(kind=kind)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout.split()
        firsts.append(float(out[0]))
        repeats.append(float(out[1]))
    return statistics.median(firsts), statistics.median(repeats)


def main() -> None:
    base_first, base_repeat = measure("proxy")
    first, repeat = measure("integration")
    print(f"baseline: lint of 50 proxy routes, first      {base_first * 1000:8.2f} ms")
    print(f"baseline: lint of 50 proxy routes, repeated   {base_repeat * 1000:8.2f} ms")
    print(
        f"lint of 50 integration routes, first          {first * 1000:8.2f} ms"
        f"  ratio {first / base_first:.1f}x (engine import + 100 templates parsed)"
    )
    print(
        f"lint of 50 integration routes, repeated       {repeat * 1000:8.2f} ms"
        f"  ratio {repeat / base_repeat:.1f}x (templates cached)"
    )


if __name__ == "__main__":
    main()
