"""Export: the standalone app synthesizes to exactly ``api.synth()``; it is safe and atomic."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from exported_app import cdk_json_context, run_exported

from wsnb import ExportError, Parameter, PropError, SynthError, WebSocketApi

pytestmark = pytest.mark.cdk


@pytest.fixture(scope="session")
def seed_exports(seed_synths, project, tmp_path_factory):
    """Every seed example exported (from the project dir) and run as its own process, 3 at a time."""
    root = tmp_path_factory.mktemp("exports")
    old = os.getcwd()
    os.chdir(project)
    try:
        dirs = {
            name: api.export(root / name, **kwargs).path
            for name, (api, kwargs, _) in seed_synths.items()
        }
    finally:
        os.chdir(old)
    names = list(dirs)
    batches = [names[0::2], names[1::2]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda batch: run_batch([dirs[n] for n in batch]), batches))
    templates = {}
    for name, d in dirs.items():
        (template,) = (d / "cdk.out").glob("*.template.json")
        templates[name] = json.loads(template.read_text())
    return dirs, templates


_BATCH = """
import json, os, runpy, sys
import aws_cdk

# The jsii runtime reads CDK_OUTDIR/CDK_CONTEXT_JSON once per process, so give each app its
# outdir and cdk.json context the way the CLI would, through App's own props.
_App = aws_cdk.App
current = {}
class App(_App):
    def __init__(self, **kwargs):
        super().__init__(**{**kwargs, **current})
aws_cdk.App = App
for app_dir in sys.argv[1:]:
    os.chdir(app_dir)
    with open("cdk.json") as f:
        current.update(outdir=os.path.join(app_dir, "cdk.out"), context=json.load(f)["context"])
    runpy.run_path("app.py", run_name="__main__")
"""


def run_batch(app_dirs: list[Path]) -> None:
    """Run several exported apps, each as ``__main__`` with its own CDK_OUTDIR, in one process."""
    proc = subprocess.run(
        [sys.executable, "-c", _BATCH, *map(str, app_dirs)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_every_seed_export_equals_synth(seed_synths, seed_exports):
    _, templates = seed_exports
    for name, (_, _, result) in seed_synths.items():
        assert templates[name] == result.template, name


def test_exported_app_is_plain_cdk(seed_exports):
    dirs, _ = seed_exports
    for name, d in dirs.items():
        source = (d / "app.py").read_text()
        tree = ast.parse(source)
        imported = {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {
            a.name.split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.Import)
            for a in n.names
        }
        assert imported <= {"aws_cdk", "constructs", "pathlib"}, (name, imported)
        cdk_json = json.loads((d / "cdk.json").read_text())
        assert cdk_json["app"] == "python3 app.py"
        reqs = (d / "requirements.txt").read_text()
        assert reqs.startswith("aws-cdk-lib") and "constructs" in reqs and "wsnb" not in reqs
        assert (d / "README.md").is_file() and (d / "src" / "default.py").is_file()
    assert (
        "hosted-zone:account=123456789012:domainName=domain.com:region=us-east-1"
        in cdk_json_context(dirs["custom_domain_basic"])
    )


def test_exported_code_is_lint_clean(seed_exports):
    ruff = Path(sys.executable).parent / "ruff"
    assert ruff.exists(), "ruff is a dev dependency: pip install -e '.[dev]'"
    dirs, _ = seed_exports
    files = [str(d / "app.py") for d in dirs.values()]
    proc = subprocess.run(
        [
            str(ruff),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "E,F,W",
            "--line-length",
            "200",
            *files,
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_byte_identical_reexport(in_project, tmp_path):
    from seed_examples import SEED_EXAMPLES

    api, kwargs = SEED_EXAMPLES["bind_resources"]()
    a = api.export(tmp_path / "a", **kwargs)
    b = api.export(tmp_path / "b", **kwargs)
    assert a.files == b.files
    for rel in a.files:
        assert (a.path / rel).read_bytes() == (b.path / rel).read_bytes(), rel


def notebook_send(event, context):
    return {"statusCode": 200, "body": event.get("body")}


HOSTILE = [
    'it\'s "quoted"',
    '"""; __import__("os").system("touch PWNED"); """',
    "__import__('os').system('touch PWNED')",
    "line1\nline2\r\n\tend\\",
    "ünïcødé ✓ 日本 \u2028 \U0001f600",
    "{braces} %s ${not_a_token} {0}",
]


def test_hostile_strings_cannot_inject(in_project, tmp_path):
    api = WebSocketApi(
        "Api", cdk={"web_socket_api": {"api_name": HOSTILE[0], "description": HOSTILE[2]}}
    )
    env = {f"V{i}": s for i, s in enumerate(HOSTILE)}
    for i, key in enumerate(
        ["it's\"k", '"""x"""', "__import__('os').system('touch PWNED')", "ünï ✓ 日本", "a/b\\c#d"]
    ):
        api.route(
            key,
            "src/send.main" if i % 2 else notebook_send,
            environment=env,
            description=HOSTILE[i][:200],
            permissions=[
                # a newline cannot be in an ARN (the model refuses it), an escaped one can
                {
                    "Action": ["s3:GetObject"],
                    "Resource": ["arn:aws:s3:::b/" + HOSTILE[i].replace("\n", "\\n")],
                }
            ],
        )
    api.bind([Parameter("P", HOSTILE[1])])
    api.access_log('{"x":"' + HOSTILE[1].replace("\n", " ") + '","id":"$context.requestId"}')
    result = api.synth()
    out = api.export(tmp_path / "hostile").path
    source = (out / "app.py").read_text()
    ast.parse(source)
    template = run_exported(out, {})
    assert template == result.template
    assert not (out / "PWNED").exists() and not Path("PWNED").exists()
    envs = [
        f["Properties"]["Environment"]["Variables"]
        for f in template["Resources"].values()
        if f["Type"] == "AWS::Lambda::Function"
    ]
    assert envs and all(e["V3"] == HOSTILE[3] and e["V4"] == HOSTILE[4] for e in envs)


def test_cdk_token_text_is_refused(in_project):
    # refused where it enters the model (wsnb/model/_values.py), before synth or export
    api = WebSocketApi("Api")
    with pytest.raises(PropError, match=r"aws-cdk-lib reference marker \('\$\{Token\['") as err:
        api.route("$default", "src/default.main", environment={"X1": "a ${Token[1]} b"})
    assert err.value.given == "a ${Token[1]} b" and api.routes == []


def test_refuses_non_empty_directory_and_overwrites_on_request(in_project, tmp_path):
    api = WebSocketApi("Api").route("$default", "src/default.main")
    target = tmp_path / "app"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    for overwrite in (False, True):  # not a wsnb export: never replaced
        with pytest.raises(ExportError) as err:
            api.export(target, overwrite=overwrite)
        assert "is not a wsnb export" in str(err.value) and "keep.txt" in str(err.value)
    (target / "keep.txt").unlink()
    api.export(target)
    with pytest.raises(ExportError) as err:
        api.export(target)
    assert "overwrite=True" in str(err.value)
    result = api.export(target, overwrite=True)
    assert (target / "app.py").exists() and "app.py" in result.files
    assert [p.name for p in tmp_path.iterdir()] == ["app"]  # no temp siblings left


def test_failed_export_leaves_nothing_behind(in_project, tmp_path):
    api = WebSocketApi("Api")
    with pytest.warns(UserWarning):
        api.route("$default", "src/missing.main")
    with pytest.raises(ExportError):
        api.export(tmp_path / "app")
    assert list(tmp_path.iterdir()) == []


def test_symlink_pointing_out_is_refused(in_project, tmp_path):
    outside = tmp_path / "secret.py"
    outside.write_text("def main(e, c):\n    return {}\n")
    linkdir = in_project / "linked"
    linkdir.mkdir(exist_ok=True)
    link = linkdir / "h.py"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(outside)
    try:
        api = WebSocketApi("Api").route("$default", "linked/h.main")
        with pytest.raises(ExportError) as err:
            api.export(tmp_path / "app")
        assert "outside the working directory" in str(err.value)
        with pytest.raises(SynthError):
            api.synth()
        assert not (tmp_path / "app").exists()
    finally:
        shutil.rmtree(linkdir)


def test_refuses_unsafe_targets(in_project, tmp_path):
    api = WebSocketApi("Api").route("$default", "src/default.main")
    with pytest.raises(ExportError):
        api.export(in_project, overwrite=True)  # would replace the sources
    with pytest.raises(ExportError):
        api.export(in_project / "src" / "out")  # would end up inside the asset
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(ExportError):
        api.export(tmp_path / "link")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError):
        api.export(tmp_path / "file", overwrite=True)
    assert (in_project / "src" / "default.py").exists()


@pytest.fixture(scope="session")
def cdk_cli(tmp_path_factory):
    """The real npm ``aws-cdk`` CLI, installed once per session into a temp prefix."""
    npm = shutil.which("npm")
    if npm is None:
        if os.environ.get("CI"):
            pytest.fail("npm is required in CI for the cdk CLI check")
        pytest.skip("npm is not installed")
    from wsnb.synth._node import node_binary

    prefix = tmp_path_factory.mktemp("cdk-cli")
    node = node_binary()
    path = os.pathsep.join(
        p
        for p in (
            os.path.dirname(node) if node else None,
            os.path.dirname(sys.executable),
            os.environ.get("PATH", ""),
        )
        if p
    )
    env = dict(os.environ, PATH=path, npm_config_cache=str(prefix / ".npm"))
    subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "aws-cdk"],
        check=True,
        env=env,
        capture_output=True,
        timeout=600,
    )
    return prefix / "node_modules" / ".bin" / "cdk", env


def test_real_cdk_synth_equals_api_synth(seed_synths, seed_exports, cdk_cli, tmp_path):
    cdk, env = cdk_cli
    dirs, _ = seed_exports
    for name in ("chat_app", "custom_domain_basic"):
        app_dir = tmp_path / name
        shutil.copytree(dirs[name], app_dir, ignore=shutil.ignore_patterns("cdk.out"))
        proc = subprocess.run(
            [str(cdk), "synth", "--no-notices", "-q"],
            cwd=app_dir,
            capture_output=True,
            text=True,
            env=dict(env, CDK_DISABLE_VERSION_CHECK="1"),
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        (template,) = (app_dir / "cdk.out").glob("*.template.json")
        assert json.loads(template.read_text()) == seed_synths[name][2].template, name
