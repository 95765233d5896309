"""A synth core you can trust: one lock for aws-cdk-lib, a bridge that survives a dead Node
process, private asset staging, the 500-resource refusal, CDK's messages in the result,
``to_cdk`` that leaves nothing half-built, and the Table behaviours SST has."""

from __future__ import annotations

import os
import signal
import stat
import tempfile
import threading
from pathlib import Path

import pytest
from synth_helpers import function_for, of_type, one

import wsnb.synth
from wsnb import SynthError, Table, WebSocketApi
from wsnb.plan import EXCLUDE_GLOBS, collect_assets, function_handlers, is_shipped
from wsnb.predict import predict_resource_counts
from wsnb.synth import _staging

pytestmark = pytest.mark.cdk


class _Reports(list):
    """What the widget job reports (its traits), in order."""

    def append_traits(self, **traits) -> None:
        self.append(traits)

    @property
    def last(self) -> dict:
        return self[-1]


def _clear_cache() -> None:
    wsnb.synth._CACHE.clear()


# ---------------------------------------------------------------- one lock for aws-cdk-lib


def test_two_threads_and_the_widget_job_synthesize_at_once(private_project):
    """jsii talks to one Node process over one pipe: concurrent synths must be serialized."""
    from wsnb.widget._jobs import SynthJob

    base = WebSocketApi("Api", routes={"$connect": "src/connect.main", "send": "src/send.main"})
    for round_no in range(3):
        api = base.copy().route(f"r{round_no}", "src/default.main")  # a model never cached
        results: list[dict] = []
        errors: list[BaseException] = []
        reports = _Reports()
        barrier = threading.Barrier(3)

        def worker(api=api, results=results, errors=errors, barrier=barrier) -> None:
            barrier.wait()
            try:
                results.append(api.synth().template)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        job = SynthJob(reports.append_traits)
        barrier.wait()
        assert job.start(api)
        for t in threads:
            t.join(120)
        job.wait(120)
        assert not errors, errors
        assert reports.last["synth_status"] == "done", reports.last
        assert len(results) == 2 and results[0] == results[1]
        assert len(of_type(results[0], "AWS::Lambda::Function")) == 3


def test_each_synthesis_writes_into_its_own_private_directory(private_project, monkeypatch):
    made: list[str] = []
    real = tempfile.mkdtemp

    def spy(*args, **kwargs):  # records the cloud-assembly directories synth makes
        path = real(*args, **kwargs)
        if kwargs.get("prefix") == "wsnb-cdk-out-":
            made.append(path)
        return path

    monkeypatch.setattr(tempfile, "mkdtemp", spy)
    _clear_cache()  # an earlier test may have synthesized the same model and files
    api = WebSocketApi("Api", routes={"$default": "src/default.main"})
    api.synth()
    api.copy().route("x", "src/send.main").synth()
    assert len(made) == 2 and made[0] != made[1]
    assert not any(os.path.exists(p) for p in made)  # removed once read


def test_a_dead_node_process_is_restarted_by_the_next_synth(private_project):
    from jsii._runtime import kernel

    api = WebSocketApi("Api", routes={"$connect": "src/connect.main"})
    before = api.synth().template
    process = kernel.provider._process._process
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    _clear_cache()
    assert api.synth().template == before
    assert kernel.provider._process._process.poll() is None


def test_a_node_process_dying_mid_call_is_a_clear_error_then_recovers(private_project):
    from jsii._runtime import kernel

    from wsnb.synth._bridge import cdk_session

    with pytest.raises(SynthError) as info, cdk_session() as cdk:
        process = kernel.provider._process._process
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
        cdk.App()  # the pipe is broken now
    assert "Node process stopped while wsnb was using it" in info.value.message
    assert "run the same call again" in info.value.fix
    api = WebSocketApi("Api", routes={"$connect": "src/connect.main"})
    _clear_cache()
    assert len(of_type(api.synth().template, "AWS::Lambda::Function")) == 1


# ---------------------------------------------------------------- private asset staging


def _layout(api: WebSocketApi):
    return collect_assets(function_handlers(api.spec))


def test_a_planted_asset_folder_is_never_used(private_project):
    """Another user can create folders in the shared temp dir: none of them is trusted."""
    api = WebSocketApi("Api", routes={"$connect": "src/connect.main"})
    layout = _layout(api)
    evil = "def main(event, context):\n    return 'planted'\n"
    shared = Path(tempfile.gettempdir())
    # the old, predictable location, marked complete
    old = shared / "wsnb-assets" / layout.digest()[:32]
    (old / "src").mkdir(parents=True, exist_ok=True)
    (old / "src" / "connect.py").write_text(evil)
    (old / ".complete").write_text("ok")
    # a look-alike of the new location's base, in its parent
    lookalike = shared / "wsnb-assets-planted"
    (lookalike / layout.digest()[:32] / "src").mkdir(parents=True, exist_ok=True)
    (lookalike / layout.digest()[:32] / "src" / "connect.py").write_text(evil)
    _clear_cache()
    root = _staging.stage_layout(layout)
    assert old not in (root, *root.parents) and lookalike not in root.parents
    assert (root / "src" / "connect.py").read_text() == (
        private_project / "src" / "connect.py"
    ).read_text()
    base = os.lstat(root.parent)
    assert stat.S_ISDIR(base.st_mode) and base.st_uid == os.getuid()
    assert stat.S_IMODE(base.st_mode) & 0o077 == 0
    clean = api.synth().template
    assert "planted" not in str(clean)
    # the synthesized asset hash is the one of the real files (a fresh project agrees)
    code = function_for(clean, "$connect")["Code"]
    assert code == function_for(api.synth().template, "$connect")["Code"]


def test_a_tampered_staged_folder_is_rebuilt(private_project):
    api = WebSocketApi("Api", routes={"$connect": "src/connect.main"})
    layout = _layout(api)
    root = _staging.stage_layout(layout)
    (root / "src" / "connect.py").write_text("tampered = True\n")
    (root / "src" / "extra.py").write_text("x = 1\n")
    again = _staging.stage_layout(layout)
    assert _staging.matches(layout, again)
    assert "tampered" not in (again / "src" / "connect.py").read_text()
    assert not (again / "src" / "extra.py").exists()


def test_an_unsafe_staging_base_is_replaced(private_project):
    api = WebSocketApi("Api", routes={"$connect": "src/connect.main"})
    layout = _layout(api)
    first = _staging.stage_layout(layout).parent
    os.chmod(first, 0o777)  # someone opened it up: stop using it
    try:
        second = _staging.stage_layout(layout).parent
        assert second != first
        assert stat.S_IMODE(os.lstat(second).st_mode) & 0o077 == 0
    finally:
        os.chmod(first, 0o700)


def test_old_staged_layouts_are_cleaned_up(private_project):
    roots = []
    for i in range(_staging.KEEP + 3):
        # a data file: every non-Python file of a handler folder ships (wsnb.model._handler_files)
        (private_project / "src" / "gen.json").write_text(f'{{"n": {i}}}\n')
        api = WebSocketApi("Api", routes={"$connect": "src/connect.main"})
        roots.append(_staging.stage_layout(_layout(api)))
    assert len(set(roots)) == len(roots)
    assert all(not r.exists() for r in roots[:3])
    assert all(r.is_dir() for r in roots[-_staging.KEEP :])


# ---------------------------------------------------------------- one file-selection rule


def test_one_rule_selects_the_shipped_files(private_project):
    src = private_project / "src"
    (src / ".DS_Store").write_bytes(b"\0mac")
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "connect.cpython-312.pyc").write_bytes(b"\0pyc")
    (src / "stale.pyc").write_bytes(b"\0pyc")
    (src / ".git").mkdir()
    (src / ".git" / "HEAD").write_text("ref\n")
    api = WebSocketApi("Api", routes={"$connect": "src/connect.main"})
    shipped = set(_layout(api).files)
    assert shipped and all(all(is_shipped(part) for part in rel.split("/")) for rel in shipped)
    assert "src/connect.py" in shipped and not any(
        n in rel for rel in shipped for n in (".DS_Store", "__pycache__", ".pyc", ".git")
    )
    for name in (".DS_Store", "__pycache__", "x.pyc", ".git", "node_modules", "cdk.out"):
        assert not is_shipped(name), name
    # CDK is told the same rule, so the exported app hashes the same files later on too
    assert ".*" in EXCLUDE_GLOBS and "__pycache__" in EXCLUDE_GLOBS


def test_export_equals_synth_with_junk_in_src(private_project, tmp_path):
    import json
    import subprocess
    import sys

    src = private_project / "src"
    (src / ".DS_Store").write_bytes(b"\0mac")
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "connect.cpython-312.pyc").write_bytes(b"\0pyc")
    table = Table("Feed", fields={"id": "string"}, primary_index={"partition_key": "id"})
    api = WebSocketApi(
        "Api",
        routes={"$connect": "src/connect.main"},
    ).defaults(environment={"FEED_STREAM": table.ref("stream_arn")}, permissions=[table])
    synthesized = api.synth().template
    out = tmp_path / "app"
    api.export(out)
    # the exported app's folders gain junk later (an editor, a test run): the template holds
    (out / "src" / ".DS_Store").write_bytes(b"\0mac")
    (out / "src" / "__pycache__").mkdir()
    (out / "src" / "__pycache__" / "connect.cpython-312.pyc").write_bytes(b"\0pyc")
    cdk_out = tmp_path / "cdk.out"
    env = dict(os.environ, CDK_OUTDIR=str(cdk_out), CDK_CONTEXT_JSON="{}")
    proc = subprocess.run(
        [sys.executable, "app.py"], cwd=out, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (template,) = cdk_out.glob("*.template.json")
    assert json.loads(template.read_text()) == synthesized


# ---------------------------------------------------------------- refusals and CDK's messages


def test_more_than_500_resources_is_refused_before_cdk(private_project, monkeypatch):
    api = WebSocketApi("Big")
    for i in range(90):
        api.route(f"r{i}", "src/default.main")
    predicted = sum(predict_resource_counts(api.spec).values())
    assert predicted > 500

    def no_cdk(*args, **kwargs):
        raise AssertionError("aws-cdk-lib must not be called")

    monkeypatch.setattr(wsnb.synth, "_run", no_cdk)
    with pytest.raises(SynthError) as info:
        api.synth()
    assert f"needs {predicted} CloudFormation resources" in info.value.message
    assert "at most 500" in info.value.message
    assert "split the routes" in info.value.fix


def test_cdk_annotations_are_read_from_the_assembly(tmp_path):
    from wsnb.synth._bridge import cdk_session

    with cdk_session() as cdk:
        app = cdk.App(outdir=str(tmp_path))
        stack = cdk.Stack(app, "S")
        cdk.Annotations.of(stack).add_warning_v2("test:w", "mind the gap")
        cdk.Annotations.of(stack).add_info("for your information")
        cdk.Annotations.of(stack).add_error("this cannot deploy")
        app.synth()
    notes, errors = wsnb.synth.cdk_annotations(tmp_path)
    assert any("CDK warning at /S: mind the gap" in n for n in notes)
    assert any("CDK info at /S: for your information" in n for n in notes)
    assert errors == ["CDK error at /S: this cannot deploy"]


def test_a_clean_model_has_no_cdk_notes(seed_synths):
    for name, (_api, _kwargs, result) in seed_synths.items():
        assert not any(w.startswith("CDK ") for w in result.warnings), name


def test_failed_to_cdk_leaves_nothing_half_built(in_project, monkeypatch):
    """Fault injection into aws-cdk-lib (not wsnb): a route construct that raises."""
    import aws_cdk as cdk
    from aws_cdk import aws_apigatewayv2

    app = cdk.App()
    stack = cdk.Stack(app, "Mine")
    api = WebSocketApi("Api", routes={"$connect": "src/connect.main", "send": "src/send.main"})
    real_route = aws_apigatewayv2.WebSocketRoute

    def failing_route(*args, **kwargs):
        raise RuntimeError("Route refused by CDK (injected)")

    monkeypatch.setattr(aws_apigatewayv2, "WebSocketRoute", failing_route)
    with pytest.raises(SynthError) as info:
        api.to_cdk(stack)
    assert "Route refused by CDK (injected)" in info.value.message
    assert stack.node.try_find_child("Api") is None
    monkeypatch.setattr(aws_apigatewayv2, "WebSocketRoute", real_route)
    construct = api.to_cdk(stack)  # the retry starts clean
    assert construct.routes == ["$connect", "send"]
    t = app.synth().get_stack_by_name("Mine").template
    assert len(of_type(t, "AWS::ApiGatewayV2::Api")) == 1
    assert len(of_type(t, "AWS::ApiGatewayV2::Route")) == 2


def test_to_cdk_refuses_an_id_the_scope_already_holds(in_project):
    import aws_cdk as cdk

    app = cdk.App()
    stack = cdk.Stack(app, "Mine")
    cdk.aws_sqs.Queue(stack, "Api")
    api = WebSocketApi("Api", routes={"$connect": "src/connect.main"})
    with pytest.raises(SynthError) as info:
        api.to_cdk(stack)
    assert "already holds a construct named 'Api'" in info.value.message
    assert stack.node.try_find_child("Api") is not None  # the user's own construct is kept


# ---------------------------------------------------------------- Table as SST's


def test_tables_have_point_in_time_recovery_as_sst(seed_synths):
    template = seed_synths["chat_app"][2].template
    props = one(template, "AWS::DynamoDB::Table")
    # SST v1 Table: pointInTimeRecovery is turned on for every table it creates
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert "StreamSpecification" not in props  # no stream_arn used: no stream


def test_stream_arn_turns_the_stream_on(private_project):
    table = Table("Feed", fields={"id": "string"}, primary_index={"partition_key": "id"})
    api = WebSocketApi("Api", routes={"$connect": "src/connect.main"}).defaults(
        environment={"FEED_STREAM": table.ref("stream_arn")}
    )
    template = api.synth().template
    ((table_id, res),) = of_type(template, "AWS::DynamoDB::Table").items()
    # DynamoDB: "StreamViewType: NEW_AND_OLD_IMAGES" (SST's `stream: true` default)
    assert res["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    env = function_for(template, "$connect")["Environment"]["Variables"]
    assert env["FEED_STREAM"] == {"Fn::GetAtt": [table_id, "StreamArn"]}


def test_a_stage_with_layers_and_a_lookalike_route_key_synthesizes(private_project):
    layer = "arn:aws:lambda:us-east-1:123456789012:layer:shared:3"
    api = WebSocketApi("Api").route(
        "x", {"function": {"handler": "src/send.main", "layers": [layer]}}
    )
    api.route("xLayer1", "src/send.main")
    template = api.synth().template
    assert len(of_type(template, "AWS::Lambda::Function")) == 2


def test_buckets_block_public_access(seed_synths):
    props = one(seed_synths["bind_resources"][2].template, "AWS::S3::Bucket")
    # Amazon S3 "Blocking public access to your Amazon S3 storage": all four settings on
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


def test_orphaned_staging_of_a_killed_process_is_swept(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = int(done.stdout)

    def made(name: str, pid: int | None, mode: int = 0o700) -> Path:
        path = tmp_path / name
        (path / "abc").mkdir(parents=True)
        if pid is not None:
            (path / _staging._PID_FILE).write_text(str(pid))
        os.chmod(path, mode)
        return path

    orphan = made("wsnb-assets-orphan", dead_pid)
    alive = made("wsnb-assets-alive", os.getpid())
    recent_unknown = made("wsnb-assets-recent", None)
    not_private = made("wsnb-assets-open", dead_pid, 0o755)
    other = made("something-else", dead_pid)
    assert _staging.sweep_orphans(tmp_path) == [orphan]
    assert not orphan.exists()
    assert alive.exists() and recent_unknown.exists() and not_private.exists() and other.exists()
