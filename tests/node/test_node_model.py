"""Node.js runtimes in the model (SPEC §8): which runtimes are accepted, how a handler string
resolves SST's way, and why a notebook function stays on Python."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import pytest

from wsnb import Function, HandlerFileWarning, LambdaAuthorizer, PropError, WebSocketApi, _facts
from wsnb.model import FileHandler, handler_candidates, resolve_handler_file

EXTENSIONS = (".ts", ".tsx", ".mts", ".js", ".mjs", ".cjs", ".jsx")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def quiet_api(name: str = "Api") -> WebSocketApi:
    return WebSocketApi(name)


# ---- runtimes as facts -------------------------------------------------------------------------


def test_the_runtime_lists():
    # "Lambda runtimes" (AWS Lambda Developer Guide): supported nodejs24.x and nodejs22.x;
    # deprecated nodejs20.x (Apr 30, 2026), nodejs18.x (Sep 1, 2025), nodejs16.x (Jun 12, 2024).
    assert _facts.NODE_CURRENT_RUNTIMES == ("nodejs22.x", "nodejs24.x")
    assert _facts.NODE_DEPRECATED_RUNTIMES == ("nodejs16.x", "nodejs18.x", "nodejs20.x")
    assert _facts.aws_date(_facts.NODE_DEPRECATION_DATES["nodejs20.x"]) == "Apr 30, 2026"
    assert _facts.aws_date(_facts.NODE_DEPRECATION_DATES["nodejs18.x"]) == "Sep 1, 2025"
    assert _facts.aws_date(_facts.NODE_DEPRECATION_DATES["nodejs16.x"]) == "Jun 12, 2024"
    assert _facts.DEFAULT_RUNTIME == "python3.12"
    assert _facts.RUNTIMES == _facts.PYTHON_RUNTIMES + _facts.NODE_RUNTIMES
    assert _facts.NODE_HANDLER_EXTENSIONS == EXTENSIONS


@pytest.mark.parametrize(
    ("runtime", "family"),
    [
        ("python3.12", "python"),
        (None, "python"),
        ("nodejs22.x", "nodejs"),
        ("nodejs20.x", "nodejs"),
        ("java21", "other"),
        ("provided.al2023", "other"),
    ],
)
def test_runtime_family(runtime, family):
    assert _facts.runtime_family(runtime) == family


@pytest.mark.parametrize("runtime", ["nodejs22.x", "nodejs24.x", "nodejs20.x", "NodeJS18.x "])
def test_node_runtimes_are_accepted_current_and_deprecated(folder, runtime):
    (folder / "src" / "default.mjs").write_text("export const main = async () => ({});\n")
    api = quiet_api().route("$default", "src/default.main", runtime=runtime)
    assert api.get_function("$default").runtime == runtime.strip().lower()
    assert api.get_function("$default").runtime_family == "nodejs"


def test_a_retired_node_runtime_is_refused_with_its_date():
    with pytest.raises(PropError) as info:
        quiet_api().route("$default", "src/default.main", runtime="nodejs14.x")
    err = info.value
    assert err.message == (
        "runtime 'nodejs14.x' is retired: AWS Lambda deprecated it on Dec 4, 2023 and no longer "
        "creates functions with it."
    )
    assert err.fix == "runtime='nodejs22.x'"
    assert "'nodejs20.x'" in err.allowed and "'nodejs14.x'" not in err.allowed


def test_an_unknown_runtime_is_refused_naming_the_allowed_ones():
    with pytest.raises(PropError) as info:
        quiet_api().defaults(runtime="nodejs23.x")
    err = info.value
    assert err.message == "runtime 'nodejs23.x' is not supported."
    assert err.allowed == ", ".join(repr(r) for r in _facts.RUNTIMES)
    assert err.fix in ("runtime='nodejs22.x'", "runtime='nodejs24.x'")
    assert err.path.endswith("runtime")


# ---- resolution, SST's way ---------------------------------------------------------------------


def test_candidates_by_runtime():
    handler = FileHandler("src/connect.main")
    assert handler.candidates() == ("src/connect.py",)
    assert handler.candidates("nodejs22.x") == tuple(f"src/connect{e}" for e in EXTENSIONS)
    assert handler_candidates(handler, "java21") == ()
    assert handler.file == "src/connect.py"  # the Python file, as many callers expect


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(EXTENSIONS, 2)))
def test_the_first_existing_extension_wins(folder, first, second):
    for ext in (second, first):
        (folder / "src" / f"connect{ext}").write_text("export const main = 1;\n")
    handler = FileHandler("src/connect.main")
    assert handler.source_file(runtime="nodejs22.x") == f"src/connect{first}"
    assert resolve_handler_file(handler, "nodejs24.x", folder) == f"src/connect{first}"


def test_resolution_uses_the_root_given_or_the_working_directory(folder, tmp_path_factory):
    other = tmp_path_factory.mktemp("elsewhere")
    (other / "src").mkdir()
    (other / "src" / "connect.js").write_text("exports.main = () => 1;\n")
    handler = FileHandler("src/connect.main")
    assert handler.source_file(other, "nodejs22.x") == "src/connect.js"
    assert handler.source_file(runtime="nodejs22.x") is None  # not in the working directory
    assert handler.source_file(other) is None  # Python: src/connect.py does not exist there


def test_the_merged_function_resolves_with_the_defaults_runtime(folder):
    (folder / "src" / "connect.ts").write_text("export const main = async () => ({});\n")
    (folder / "src" / "send.py").write_text("def main(event, context):\n    return {}\n")
    api = (
        quiet_api()
        .defaults(runtime="nodejs22.x")
        .route("$connect", "src/connect.main")
        .route("send", "src/send.main", runtime="python3.12")
    )
    connect, send = api.get_function("$connect"), api.get_function("send")
    assert (connect.runtime, connect.provenance["runtime"]) == ("nodejs22.x", "defaults")
    assert connect.source_file() == "src/connect.ts"
    assert (send.runtime_family, send.source_file()) == ("python", "src/send.py")
    assert send.source_file(folder / "nowhere") is None


def test_the_build_time_warning_counts_a_node_file_and_names_both_languages(folder):
    (folder / "src" / "connect.ts").write_text("export const main = 1;\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", HandlerFileWarning)
        quiet_api().route("$connect", "src/connect.main")  # no warning: the .ts exists
    with pytest.warns(HandlerFileWarning) as caught:
        quiet_api().route("$default", "src/gone.main")
    assert str(caught[0].message) == (
        "routes['$default'].function.handler: handler file 'src/gone.py' (Python) or "
        "src/gone.ts/.tsx/.mts/.js/.mjs/.cjs/.jsx (Node.js) does not exist (yet) relative to the "
        "working directory; synth and serve will need one."
    )


def test_node_runtimes_round_trip_through_to_dict(folder):
    (folder / "src" / "connect.ts").write_text("export const main = 1;\n")
    api = (
        quiet_api()
        .defaults(runtime="nodejs22.x")
        .route("$connect", "src/connect.main")
        .route("old", "src/connect.main", runtime="nodejs20.x")
        .route("py", {"function": {"handler": "src/connect.main", "runtime": "python3.13"}})
    )
    data = api.to_dict()
    assert data["defaults"] == {"function": {"runtime": "nodejs22.x"}}
    again = WebSocketApi.from_dict(data)
    assert again.to_dict() == data and again.spec == api.spec
    assert [again.get_function(k).runtime for k in again.routes] == [
        "nodejs22.x",
        "nodejs20.x",
        "python3.13",
    ]


# ---- notebook functions stay Python ------------------------------------------------------------


def echo(event, context):
    return {"statusCode": 200, "body": event.get("body")}


def test_a_python_function_under_node_defaults_takes_the_python_default(folder):
    api = quiet_api().defaults(runtime="nodejs22.x", timeout=20).route("echo", echo)
    fn = api.get_function("echo")
    assert (fn.runtime, fn.provenance["runtime"]) == (_facts.DEFAULT_RUNTIME, "builtin")
    assert (fn.timeout, fn.provenance["timeout"]) == (20, "defaults")  # other defaults apply
    assert fn.runtime_family == "python" and fn.source_file() is None
    again = WebSocketApi.from_dict(api.to_dict())
    assert again.get_function("echo").runtime == _facts.DEFAULT_RUNTIME
    # the display shows it without trouble
    assert "python3.12" in api._repr_mimebundle_()["text/html"]


def test_python_defaults_still_apply_to_a_python_function(folder):
    fn = quiet_api().defaults(runtime="python3.13").route("echo", echo).get_function("echo")
    assert (fn.runtime, fn.provenance["runtime"]) == ("python3.13", "defaults")


@pytest.mark.parametrize(
    "build",
    [
        lambda api: api.route("echo", echo, runtime="nodejs22.x"),
        lambda api: api.route("echo", Function(echo, runtime="nodejs24.x")),
        lambda api: api.authorizer(LambdaAuthorizer(Function(echo, runtime="nodejs22.x"))),
    ],
)
def test_a_python_function_with_a_node_runtime_of_its_own_is_refused(build):
    with pytest.raises(PropError) as info:
        build(quiet_api())
    err = info.value
    assert err.message.startswith("echo() is a Python function; it cannot run on nodejs2")
    assert err.fix == (
        "leave runtime out (a Python function runs on python3.12), or write the handler as a "
        'Node.js file and name it: "src/handler.main"'
    )
    assert err.path.endswith(".runtime")
