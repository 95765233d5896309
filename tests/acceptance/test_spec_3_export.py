"""SPEC §3 — exporting a standalone CDK app (`api.export`, CLI `wsnb export`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wsnb import ExportError, HandlerError, Table, WebSocketApi

ACCOUNT = "123456789012"
REGION = "us-east-1"
CTX = {
    f"hosted-zone:account={ACCOUNT}:domainName=example.com:region={REGION}": {
        "Id": "/hostedzone/Z9",
        "Name": "example.com.",
    }
}

# Run the exported app the way `cdk synth` does (the "app" command from cdk.json, CDK_OUTDIR set),
# with wsnb made unimportable so the app provably does not depend on it.
RUNNER = r"""
import runpy, sys
sys.modules["wsnb"] = None
sys.argv = ["app.py"]
runpy.run_path("app.py", run_name="__main__")
"""


def cdk_synth(app_dir: Path, outdir: Path) -> dict:
    cfg = json.loads((app_dir / "cdk.json").read_text())
    assert "app.py" in cfg["app"]
    envv = {k: v for k, v in os.environ.items() if not k.startswith(("CDK_", "AWS_"))}
    envv["CDK_OUTDIR"] = str(outdir)
    context = dict(cfg.get("context", {}))
    envv["CDK_CONTEXT_JSON"] = json.dumps(context)
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER],
        cwd=app_dir,
        env=envv,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    templates = list(outdir.glob("*.template.json"))
    assert len(templates) == 1, templates
    return json.loads(templates[0].read_text())


EVIL = 'x"; import os; os.system("touch PWNED"); y="\n\'\'\'"""\\ {braces} ${wsnb:x} </script>'


@pytest.fixture(scope="module")
def api():
    table = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})
    return (
        WebSocketApi("Api")
        .defaults(
            timeout=20,
            environment={"TABLE_NAME": table.table_name, "EVIL": EVIL},
            permissions=[table],
        )
        .route("$connect", "src/connect.main")
        .route("$disconnect", "src/disconnect.main")
        .route("$default", "src/default.main", description=EVIL)
        .route(
            "sendMessage",
            {"function": {"handler": "src/send.main", "memory_size": 512}, "return_response": True},
        )
        .custom_domain({"domain_name": "api.example.com", "path": "v1"})
        .authorizer("iam")
    )


@pytest.fixture(scope="module")
def exported(api, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "app"
    api.export(out, app="chat", stage="prod", account=ACCOUNT, region=REGION, context=CTX)
    return out


@pytest.fixture(scope="module")
def exported_template(exported, tmp_path_factory):
    return cdk_synth(exported, tmp_path_factory.mktemp("cdkout"))


def test_export_writes_app_files(exported):
    for name in ("app.py", "cdk.json", "requirements.txt"):
        assert (exported / name).is_file(), name
    assert any(p.name == "connect.py" for p in exported.rglob("*.py"))
    assert any(p.name == "send.py" for p in exported.rglob("*.py"))


def test_requirements_are_cdk_only(exported):
    reqs = [
        line.strip()
        for line in (exported / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    names = sorted(
        {
            r.split("=")[0].split("<")[0].split(">")[0].split("~")[0].split("[")[0].strip().lower()
            for r in reqs
        }
    )
    assert names == ["aws-cdk-lib", "constructs"]


def test_no_wsnb_in_generated_code(exported):
    for path in exported.rglob("*.py"):
        text = path.read_text()
        assert "import wsnb" not in text and "from wsnb" not in text, path


def test_generated_code_is_valid_readable_python(exported):
    import ast

    src = (exported / "app.py").read_text()
    ast.parse(src)
    assert "\t" not in src
    ruff = Path(sys.executable).with_name("ruff")  # a dev dependency
    # "formatted": a standard formatter has nothing to change; no pyflakes errors
    fmt = subprocess.run(
        [
            str(ruff),
            "format",
            "--check",
            "--isolated",
            "--line-length",
            "120",
            str(exported / "app.py"),
        ],
        capture_output=True,
        text=True,
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    chk = subprocess.run(
        [str(ruff), "check", "--isolated", "--select", "F", str(exported / "app.py")],
        capture_output=True,
        text=True,
    )
    assert chk.returncode == 0, chk.stdout


def test_cdk_synth_equals_notebook_synth(api, exported_template):
    nb = api.synth(app="chat", stage="prod", account=ACCOUNT, region=REGION, context=CTX).template
    assert exported_template == nb


def test_no_code_injection(exported, exported_template):
    assert not list(exported.rglob("PWNED"))
    text = json.dumps(exported_template)
    assert json.dumps(EVIL)[1:-1] in text  # the value arrives byte for byte


def test_export_same_arguments_as_synth(api):
    import inspect

    s = inspect.signature(api.synth).parameters
    e = inspect.signature(api.export).parameters
    for name in ("app", "stage", "region", "account", "context"):
        assert e[name].default == s[name].default, name
    assert e["overwrite"].default is False


def test_overwrite_rules(tmp_path):
    api = WebSocketApi("Api").route("$default", "src/default.main")
    out = tmp_path / "o"
    api.export(out)
    with pytest.raises(ExportError, match=r"holds a previous wsnb export") as info:
        api.export(out)
    assert "overwrite=True" in info.value.fix
    api.route("$connect", "src/connect.main")
    api.export(out, overwrite=True)
    assert (out / "src" / "connect.py").is_file()


def test_export_never_writes_outside(tmp_path, acceptance_project):
    (acceptance_project / "outside_handlers").mkdir(exist_ok=True)
    (acceptance_project / "outside_handlers" / "x.py").write_text(
        "def main(e, c):\n    return {}\n"
    )
    before = set(tmp_path.rglob("*"))
    out = tmp_path / "inner" / "app"
    api = WebSocketApi("Api").add_routes(
        {"$default": "src/default.main", "up": "outside_handlers/x.main"}
    )
    api.export(out)
    assert (out / "outside_handlers" / "x.py").is_file()  # copied in, under the same path
    assert set(tmp_path.rglob("*")) - before == {tmp_path / "inner", out, *out.rglob("*")}
    # handler paths that would lead out of the project are refused when the route is defined
    for handler in (
        "src/../outside_handlers/x.main",
        str(acceptance_project / "outside_handlers" / "x") + ".main",
    ):
        with pytest.raises(HandlerError, match=r"must be a relative path that stays inside"):
            WebSocketApi("Api").route("r", handler)


def test_callable_handler_exported(tmp_path, tmp_path_factory):
    def notebook_fn(event, context):
        return {"statusCode": 200, "body": "hi"}

    api = WebSocketApi("Api").route("$default", notebook_fn)
    out = tmp_path / "app"
    api.export(out)
    sources = "\n".join(p.read_text() for p in out.rglob("*.py") if p.name != "app.py")
    assert "def notebook_fn" in sources
    assert cdk_synth(out, tmp_path_factory.mktemp("cdkout2")) == api.synth().template


def test_cli_export(tmp_path, acceptance_project):
    mod = acceptance_project / "cli_api_def.py"
    mod.write_text(
        "from wsnb import WebSocketApi\napi = WebSocketApi('Api').route('$default', 'src/default.main')\n"
    )
    out = tmp_path / "cliapp"
    proc = subprocess.run(
        [sys.executable, "-m", "wsnb", "export", f"{mod}:api", str(out), "--stage", "prod"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=acceptance_project,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "app.py").is_file()
    t = cdk_synth(out, tmp_path / "cdkout")
    assert [
        r["Properties"]["Name"]
        for r in t["Resources"].values()
        if r["Type"] == "AWS::ApiGatewayV2::Api"
    ] == ["prod-app-Api"]
