"""``import wsnb`` changes nothing in the user's process beyond picking jsii's Node."""

from __future__ import annotations

import json
import os
import subprocess
import sys

_PROBE = """
import json, os, warnings
before_env, before_filters = dict(os.environ), list(warnings.filters)
import wsnb
added = sorted(set(os.environ) - set(before_env))
print(json.dumps({"added": added, "filters_same": list(warnings.filters) == before_filters}))
"""


def test_import_sets_only_node_choice_and_banners():
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_")}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["filters_same"] is True
    assert "JSII_DEPRECATED" not in result["added"]
    assert set(result["added"]) <= {
        "JSII_NODE",
        "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION",
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION",
        "JSII_SILENCE_WARNING_KNOWN_BROKEN_NODE_VERSION",
    }


def test_a_node_the_user_chose_keeps_its_warnings():
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_")}
    env["JSII_NODE"] = "/usr/bin/node"
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["added"] == []
