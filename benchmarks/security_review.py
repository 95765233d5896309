"""Security review: cdk-nag's AwsSolutions rules (and, if installed, checkov) on the templates of
every seed example. Not a benchmark and not a test: a report a maintainer re-runs after changing
what synth emits; the README's "Security review" section lists the findings and why.

    pip install cdk-nag            # checkov optional: pip install checkov (in any venv)
    PYTHONPATH=. .venv/bin/python benchmarks/security_review.py [--checkov path/to/checkov]

Prints one line per (rule, resource type) with how many seed examples hit it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


EXAMPLES: dict[str, str] = {}


def nag_findings(workdir: Path) -> Counter[str]:
    """AwsSolutions rule id → number of seed examples where it fires (errors and warnings)."""
    import cdk_nag
    from seed_examples import SEED_EXAMPLES

    from wsnb.plan import build_plan, check_options
    from wsnb.synth._bridge import cdk_session
    from wsnb.synth._construct import construct_class
    from wsnb.synth._interpret import Interpreter
    from wsnb.synth._staging import stage_layout

    counts: Counter[str] = Counter()
    for name, build in SEED_EXAMPLES.items():
        api, kwargs = build()
        opts = check_options(**kwargs)
        plan, assets = build_plan(api.spec, opts)
        outdir = Path(tempfile.mkdtemp(dir=workdir))
        with cdk_session() as cdk:
            root = stage_layout(assets)
            env = Interpreter({}, root).run(
                plan.app_steps, extra={"app": {"context": opts.context, "outdir": str(outdir)}}
            )
            construct_class()(env["stack"], plan.construct_id, plan=plan, asset_root=root)
            cdk.Validations.of(env["app"]).add_plugins(cdk_nag.AwsSolutionsChecks(env["app"]))
            try:
                env["app"].synth()
            except Exception as exc:  # cdk-nag fails the synth when it finds errors
                print(f"  ({name}: synth stopped by the validation: {str(exc)[:80]})")
        report = json.loads((outdir / "validation-report.json").read_text())
        seen = set()
        for plugin in report.get("pluginReports", []):
            for violation in plugin.get("violations", []):
                rule = violation.get("ruleName", "?").split("[", 1)[0]
                seen.add(rule)
                EXAMPLES.setdefault(rule, violation.get("description", ""))
        counts.update(seen)
        (workdir / f"{name}.template.json").write_text(
            (outdir / f"{plan.stack_name}.template.json").read_text()
        )
    return counts


def checkov_findings(checkov: str, workdir: Path) -> Counter[str]:
    """checkov check id → number of seed templates where it fails."""
    counts: Counter[str] = Counter()
    for template in sorted(workdir.glob("*.template.json")):
        run = subprocess.run(
            [
                checkov,
                "-f",
                str(template),
                "--framework",
                "cloudformation",
                "-o",
                "json",
                "--quiet",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        data = json.loads(run.stdout or "{}")
        failed = (data.get("results") or {}).get("failed_checks") or []
        counts.update({f"{c['check_id']} {c['check_name']}" for c in failed})
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkov", help="path of a checkov executable (optional)")
    args = parser.parse_args()
    project = Path(tempfile.mkdtemp(prefix="wsnb-review-"))
    from seed_examples import make_project

    make_project(project)
    os.chdir(project)
    work = project / "out"
    work.mkdir()
    print("cdk-nag AwsSolutions (rule: seed examples hit)")
    for rule, n in sorted(nag_findings(work).items()):
        print(f"  {rule}: {n}    e.g. {EXAMPLES[rule][:220]}")
    if args.checkov:
        print("checkov (check: seed templates failing)")
        for check, n in sorted(checkov_findings(args.checkov, work).items()):
            print(f"  {check}: {n}")


if __name__ == "__main__":
    main()
