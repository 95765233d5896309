"""Fuzz: hostile SST dicts and builder calls, at scale; every model that builds must synthesize,
export (``python app.py``) and ``to_cdk`` to the same template.

Run: python benchmarks/fuzz_models.py [--examples 200] [--export-every 5] [--seed 0]
Prints counts per outcome; exit status 1 if any model reached a raw (non-wsnb) error or the three
back ends disagreed. The strategies are the CI test's (tests/model/hostile_models.py).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.model.hostile_models import apply, builder_call, sst_dict, write_handlers  # noqa: E402
from wsnb import SynthError, WebSocketApi, WsnbError  # noqa: E402

counts: collections.Counter[str] = collections.Counter()
failures: list[str] = []


def _run_export(api: WebSocketApi, target: Path) -> dict:
    result = api.export(target)
    app_dir = Path(result.path)
    context = json.loads((app_dir / "cdk.json").read_text())["context"]
    out = app_dir / "cdk.out"
    env = dict(os.environ, CDK_OUTDIR=str(out), CDK_CONTEXT_JSON=json.dumps(context))
    proc = subprocess.run(
        [sys.executable, "app.py"],
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        raise RuntimeError("python app.py failed: " + proc.stderr[-1500:])
    (template,) = out.glob("*.template.json")
    return json.loads(template.read_text())


def _run_to_cdk(api: WebSocketApi, outdir: Path) -> dict:
    import aws_cdk as cdk

    app = cdk.App(outdir=str(outdir), context={"wsnb:app": "app", "wsnb:stage": "dev"})
    stack = cdk.Stack(app, "dev-app")
    api.to_cdk(stack)
    return app.synth().get_stack_by_name("dev-app").template


def _validation_reports(since: float) -> list[Path]:
    """CDK's template validation reports (CloudFormation schema findings) written since ``since``."""
    tmp = Path(tempfile.gettempdir())
    found = []
    for path in tmp.glob("wsnb-cdk-out-*/**/validation-report.json"):
        if path.stat().st_mtime < since:
            continue
        plugins = json.loads(path.read_text()).get("pluginReports", [])
        if any(
            p.get("violations") or p.get("summary", {}).get("status") == "failure" for p in plugins
        ):
            found.append(path)
    return found


def check(api: WebSocketApi, *, deep: bool) -> None:
    """Synth (and, when ``deep``, export and to_cdk); record the outcome."""
    started = time.time()
    try:
        template = api.synth().template
        reports = _validation_reports(started)
        if reports:
            counts["SCHEMA FINDINGS at synth"] += 1
            failures.append(
                "schema findings: "
                + json.dumps(api.to_dict(), default=repr)[:800]
                + "\n"
                + reports[0].read_text()[:1500]
            )
            for report in reports:
                report.unlink()
    except SynthError:
        counts["synth refused (SynthError)"] += 1
        return
    except Exception:
        counts["RAW ERROR at synth"] += 1
        failures.append(
            json.dumps(api.to_dict(), default=repr)[:800] + "\n" + traceback.format_exc(limit=3)
        )
        return
    counts["synthesized"] += 1
    if not deep:
        return
    with tempfile.TemporaryDirectory(prefix="wsnb-fuzz-") as tmp:
        try:
            exported = _run_export(api, Path(tmp) / "app")
            counts["exported"] += 1
            if exported != template:
                counts["EXPORT DIFFERS"] += 1
                failures.append("export differs: " + json.dumps(api.to_dict(), default=repr)[:800])
        except WsnbError:
            counts["export refused (WsnbError)"] += 1
        except Exception:
            counts["RAW ERROR at export"] += 1
            failures.append(
                json.dumps(api.to_dict(), default=repr)[:800] + "\n" + traceback.format_exc(limit=3)
            )
        try:
            via_cdk = _run_to_cdk(api, Path(tmp) / "cdk.out")
            counts["to_cdk"] += 1
            if via_cdk["Resources"] != template["Resources"]:
                counts["TO_CDK DIFFERS"] += 1
                failures.append("to_cdk differs: " + json.dumps(api.to_dict(), default=repr)[:800])
        except WsnbError:
            counts["to_cdk refused (WsnbError)"] += 1
        except Exception:
            counts["RAW ERROR at to_cdk"] += 1
            failures.append(
                json.dumps(api.to_dict(), default=repr)[:800] + "\n" + traceback.format_exc(limit=3)
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="models per strategy")
    parser.add_argument(
        "--export-every", type=int, default=5, help="export + to_cdk every Nth built model"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="wsnb-fuzz-project-"))
    write_handlers(root)
    os.chdir(root)
    warnings.simplefilter("ignore")
    built = [0]
    run_settings = settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )

    def deep() -> bool:
        built[0] += 1
        return built[0] % args.export_every == 0

    @seed(args.seed)
    @run_settings
    @given(data=sst_dict)
    def sst(data):
        try:
            api = WebSocketApi("Api", **data)
        except WsnbError:
            counts["dict refused (WsnbError)"] += 1
            return
        except Exception:
            counts["RAW ERROR at build"] += 1
            failures.append(repr(data)[:800] + "\n" + traceback.format_exc(limit=3))
            return
        check(api, deep=deep())

    @seed(args.seed)
    @run_settings
    @given(calls=st.lists(builder_call, min_size=1, max_size=5))
    def builder(calls):
        api = WebSocketApi("Api").route("$connect", "src/a.main")
        for call in calls:
            before = api.to_dict()
            try:
                apply(api, call)
                counts["call accepted"] += 1
            except WsnbError:
                counts["call refused (WsnbError)"] += 1
                if api.to_dict() != before:
                    counts["HALF-APPLIED CALL"] += 1
                    failures.append("half-applied: " + repr(call)[:800])
            except Exception:
                counts["RAW ERROR at build"] += 1
                failures.append(repr(call)[:800] + "\n" + traceback.format_exc(limit=3))
        check(api, deep=deep())

    sst()
    builder()
    width = max(map(len, counts))
    for name, n in sorted(counts.items()):
        print(f"{name:<{width}}  {n}")
    bad = {k: v for k, v in counts.items() if k.isupper() or k.split()[0].isupper()}
    for text in failures[:10]:
        print("---\n" + text)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
