"""Python-function handlers ship as modules that run in Lambda as they run locally.

Lambda's Python runtime imports ``<module>`` from the asset and calls ``<function>(event,
context)`` without awaiting what it returns (AWS Lambda Developer Guide, "Define Lambda function
handler in Python"), so the tests here do the same with the exported files, in a fresh process,
and compare with the local emulator and with the live function.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
from json import dumps
from json import loads as parse_json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wsnb import WebSocketApi
from wsnb.model._handlers import (
    CallableHandler,
    callable_module_source,
    export_problems,
    lambda_entry_point,
    parse_handler,
)

LIMIT = float("inf")
BOUNDS = [float("-inf"), 0.5, {"top": float("inf")}, (1,)]
GREETING = "hi"
STATE: dict = {}


async def async_echo(event, context):
    await asyncio.sleep(0)
    return {"statusCode": 200, "body": f"{GREETING} {event.get('body')}"}


async def loop_bound(event, context):
    """Uses an asyncio primitive across invocations: needs the same loop every time."""
    if "lock" not in STATE:
        STATE["lock"] = asyncio.Lock()
        STATE["calls"] = 0
    async with STATE["lock"]:
        STATE["calls"] += 1
        await asyncio.sleep(0)
    return {"statusCode": 200, "body": str(STATE["calls"])}


def uses_defaults(event, context, limit=LIMIT, *, bounds=BOUNDS) -> dict:
    return {
        "statusCode": 200,
        "body": dumps([str(limit), str(bounds[0]), bounds[2]["top"] > 1e308, math.isinf(limit)]),
    }


def annotated(event: Helper, context: Helper) -> Helper:  # never evaluated
    return {"statusCode": 200, "body": parse_json('"annotated"')}


def original_name(event, context):
    return {"statusCode": 200, "body": "renamed"}


original_name.__name__ = "shown_name"


class Helper:
    pass


def needs_a_notebook_object(event, context):
    return {"statusCode": 200, "body": str(Helper())}


def run_like_lambda(asset: Path, handler: str, events: list[dict]) -> list:
    """Import the handler's module from the asset in a fresh process and call it per event."""
    module, func = handler.rsplit(".", 1)
    code = (
        "import importlib, json, sys\n"
        f"sys.path.insert(0, {str(asset)!r})\n"
        f"fn = getattr(importlib.import_module({module!r}), {func!r})\n"
        "for event in json.loads(sys.argv[1]):\n"
        "    out = fn(event, None)\n"
        "    print(json.dumps(out))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-I", "-B", "-c", code, json.dumps(events)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads(line) for line in proc.stdout.splitlines()]


def exported_handler(api: WebSocketApi, out: Path) -> tuple[Path, str]:
    """The asset folder and Lambda handler string of the API's only function, from app.py's
    template (export and synth agree on it)."""
    template = api.synth().template
    (fn,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    handler = fn["Properties"]["Handler"]
    module = handler.rsplit(".", 1)[0]
    (path,) = out.rglob(f"{module}.py")
    return path.parent, handler


@pytest.mark.cdk
@pytest.mark.parametrize(
    "func, calls, expected",
    [
        (async_echo, 2, ["hi x", "hi x"]),
        (loop_bound, 3, ["1", "2", "3"]),
        (uses_defaults, 1, [dumps(["inf", "-inf", True, True])]),
        (annotated, 1, ["annotated"]),
        (original_name, 1, ["renamed"]),
    ],
)
def test_shipped_module_runs_as_lambda_calls_it(in_project, tmp_path, func, calls, expected):
    api = WebSocketApi("Api").route("$default", func, return_response=True)
    out = api.export(tmp_path / "app").path
    asset, handler = exported_handler(api, out)
    replies = run_like_lambda(asset, handler, [{"body": "x"}] * calls)
    assert [r["body"] for r in replies] == expected


def test_async_handler_gets_a_sync_entry_point_and_plain_ones_do_not():
    h = parse_handler(async_echo, "x")
    assert h.is_async and lambda_entry_point(h) == "lambda_handler"
    assert h.text == "async_echo_handler.lambda_handler"
    source = callable_module_source(h)
    assert "async def async_echo(event, context):" in source
    assert "def lambda_handler(event, context):" in source
    plain = parse_handler(uses_defaults, "x")
    assert plain.text == "uses_defaults_handler.uses_defaults"
    assert "lambda_handler" not in callable_module_source(plain)


def test_entry_point_name_never_shadows_what_the_function_reads():
    source = "async def lambda_handler(event, context):\n    return lambda_handler_sync(event)\n"
    h = CallableHandler(name="lambda_handler", source=source, is_async=True)
    entry = lambda_entry_point(h)
    assert entry not in ("lambda_handler", "lambda_handler_sync")
    namespace: dict = {"lambda_handler_sync": lambda e: {"body": "ok"}}
    exec(callable_module_source(h), namespace)
    assert namespace[entry]({}, None) == {"body": "ok"}


def test_renamed_function_ships_under_its_def_name():
    h = parse_handler(original_name, "x")
    assert h.name == "original_name" and h.text == "original_name_handler.original_name"


def test_defaults_literals_and_from_imports_are_carried():
    source = callable_module_source(parse_handler(uses_defaults, "x"))
    assert 'LIMIT = float("inf")' in source
    assert 'BOUNDS = [float("-inf"), 0.5, {"top": float("inf")}, (1,)]' in source.replace("'", '"')
    assert "from json import dumps" in source and "import math" in source
    namespace: dict = {}
    exec(source, namespace)  # every name the def line and the body read is defined
    assert namespace["uses_defaults"]({}, None)["statusCode"] == 200


def test_annotations_are_not_evaluated_in_the_shipped_module():
    source = callable_module_source(parse_handler(annotated, "x"))
    assert source.index("from __future__ import annotations") < source.index("def annotated")
    assert "Helper" not in export_problems(parse_handler(annotated, "x"))


def test_what_cannot_ship_is_named():
    problems = export_problems(parse_handler(needs_a_notebook_object, "x"))
    assert len(problems) == 1 and problems[0].startswith(
        "Helper: a class defined in test_export_handlers.py"
    )


def test_a_project_module_is_not_assumed_importable(in_project, monkeypatch):
    (in_project / "helpers_mod.py").write_text("def fmt(x):\n    return str(x)\n")
    monkeypatch.syspath_prepend(str(in_project))
    namespace: dict = {}
    exec(
        "import helpers_mod\nfrom helpers_mod import fmt\n"
        "def h(event, context):\n    return fmt(helpers_mod)\n",
        namespace,
    )
    handler = CallableHandler(
        name="h",
        source="def h(event, context):\n    return fmt(helpers_mod)\n",
        func=namespace["h"],
    )
    problems = export_problems(handler)
    assert [p.split(":")[0] for p in problems] == ["fmt", "helpers_mod"]
    assert all("your project" in p for p in problems)


def test_labels_say_where_the_function_came_from():
    assert str(parse_handler(async_echo, "x")) == "async_echo() (test_export_handlers.py)"
    namespace: dict = {}
    exec(
        compile("def cell(event, context):\n    return {}\n", "<nb.ipynb cell 3>", "exec"),
        namespace,
    )
    # a function from a notebook cell has no readable source here; its label needs only the file
    from wsnb.model._handlers import _origin

    assert _origin(namespace["cell"]) == "notebook"


def test_local_emulator_and_shipped_module_agree(in_project, tmp_path):
    from tests.local.conftest import exchange_in_turn, run

    api = (
        WebSocketApi("Api")
        .route("echo", async_echo, return_response=True)
        .route("defaults", uses_defaults, return_response=True)
    )
    messages = [json.dumps({"action": "echo"}), json.dumps({"action": "defaults"})]
    with api.serve() as srv:
        local = run(exchange_in_turn(srv.url, *messages))  # paired with the messages
    out = api.export(tmp_path / "app").path
    shipped = []
    for func, message in zip((async_echo, uses_defaults), messages, strict=True):
        handler = parse_handler(func, "x").text
        asset = out / "wsnb_functions" / handler.split(".")[0]
        (reply,) = run_like_lambda(asset, handler, [{"body": message}])
        shipped.append(reply["body"])
    assert local == shipped


# ------------------------------------------------------ file handlers: what a folder ships


@pytest.mark.cdk
def test_folder_ships_what_its_handlers_import_and_matches_synth(in_project, tmp_path):
    folder = in_project / "shop"
    (folder / "lib").mkdir(parents=True, exist_ok=True)
    (folder / "buy.py").write_text(
        "import json\nfrom pathlib import Path\n\nimport prices\nfrom lib import fmt\n\n\n"
        "def main(event, context):\n"
        "    banner = (Path(__file__).parent / 'banner.txt').read_text().strip()\n"
        "    return {'statusCode': 200, 'body': json.dumps([banner, fmt.money(prices.PRICE)])}\n"
    )
    (folder / "prices.py").write_text("PRICE = 250\n")
    (folder / "lib" / "__init__.py").write_text("")
    (folder / "lib" / "fmt.py").write_text("def money(cents):\n    return f'${cents / 100:.2f}'\n")
    (folder / "banner.txt").write_text("welcome\n")
    (folder / "admin.py").write_text("def main(event, context):\n    return {}\n")  # not this API's
    api = WebSocketApi("Shop").route("buy", "shop/buy.main", return_response=True)
    result = api.export(tmp_path / "app")
    shipped = sorted(f for f in result.files if f.startswith("shop/"))
    assert shipped == [
        "shop/banner.txt",
        "shop/buy.py",
        "shop/lib/__init__.py",
        "shop/lib/fmt.py",
        "shop/prices.py",
    ]
    (reply,) = run_like_lambda(result.path / "shop", "buy.main", [{}])
    assert json.loads(reply["body"]) == ["welcome", "$2.50"]
    outdir = tmp_path / "cdk.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDK_")}
    proc = subprocess.run(
        [sys.executable, "app.py"],
        cwd=result.path,
        env=dict(env, CDK_OUTDIR=str(outdir)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (template,) = outdir.glob("*.template.json")
    assert json.loads(template.read_text()) == api.synth().template


def test_top_level_handler_ships_the_modules_it_imports(in_project, tmp_path):
    (in_project / "toplevel_h.py").write_text(
        "import toplevel_helpers\n\n\ndef main(event, context):\n"
        "    return {'statusCode': 200, 'body': toplevel_helpers.WORD}\n"
    )
    (in_project / "toplevel_helpers.py").write_text("WORD = 'sibling'\n")
    api = WebSocketApi("Top").route("$default", "toplevel_h.main", return_response=True)
    result = api.export(tmp_path / "app")
    assert [f for f in result.files if f.startswith("wsnb_functions/")] == [
        "wsnb_functions/toplevel_h/toplevel_h.py",
        "wsnb_functions/toplevel_h/toplevel_helpers.py",
    ]
    asset = result.path / "wsnb_functions" / "toplevel_h"
    (reply,) = run_like_lambda(asset, "toplevel_h.main", [{}])
    assert reply["body"] == "sibling"


literal_data = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and ±Infinity included
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner)
        | st.dictionaries(st.text(), inner, max_size=3)
    ),
    max_leaves=8,
)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


@given(literal_data)
def test_any_literal_global_is_carried_exactly(value):
    namespace = {"VALUE": value}
    exec("def reader(event, context):\n    return VALUE\n", namespace)
    source = "def reader(event, context):\n    return VALUE\n"
    handler = CallableHandler(name="reader", source=source, func=namespace["reader"])
    shipped: dict = {}
    exec(callable_module_source(handler), shipped)
    assert _same(shipped["reader"]({}, None), value)
    assert export_problems(handler) == []
