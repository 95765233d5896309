"""Run an exported CDK app the way ``cdk synth`` does, for the export tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def cdk_json_context(app_dir: Path) -> dict:
    """The ``context`` of the app's ``cdk.json``."""
    return json.loads((app_dir / "cdk.json").read_text())["context"]


def run_exported(app_dir: Path, context: dict | None = None) -> dict:
    """``python app.py`` with CDK_OUTDIR and the context (``cdk.json``'s unless given), as
    ``cdk synth`` runs it; the synthesized template."""
    out = app_dir / "cdk.out"
    if context is None:
        context = cdk_json_context(app_dir)
    env = dict(os.environ, CDK_OUTDIR=str(out), CDK_CONTEXT_JSON=json.dumps(context))
    proc = subprocess.run(
        [sys.executable, "app.py"],
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (template,) = out.glob("*.template.json")
    return json.loads(template.read_text())
