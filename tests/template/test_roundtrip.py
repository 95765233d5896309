"""Round trip: for every seed example, ``from_template(<cdk.out of the API>)`` reproduces its
routes, handlers, function props, authorizer and route responses."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from wsnb import LambdaAuthorizer, WebSocketApi
from wsnb.model._resources import Ref

pytestmark = pytest.mark.cdk


def _seed_names():
    from seed_examples import SEED_EXAMPLES

    return list(SEED_EXAMPLES)


def _cdk_out(api: WebSocketApi, kwargs: dict, outdir: Path) -> Path:
    """Write the cloud assembly with our own App (``api.to_cdk`` into a stack)."""
    import aws_cdk as cdk

    context = {"wsnb:app": "app", "wsnb:stage": "dev", **(kwargs.get("context") or {})}
    app = cdk.App(outdir=str(outdir), context=context)
    env = None
    if kwargs.get("account") or kwargs.get("region"):
        env = cdk.Environment(account=kwargs.get("account"), region=kwargs.get("region"))
    stack = cdk.Stack(app, "Seed", env=env)
    api.to_cdk(stack)
    app.synth()
    return outdir


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _handler_file(root: Path, handler) -> Path:
    return root / handler.file


def _same_function(orig, orig_root: Path, back, back_root: Path, where: str) -> None:
    from wsnb.model._function import BUILTIN_DEFAULTS

    # an authorizer's props are not merged with the built-in defaults: compare merged values
    a, b = {**BUILTIN_DEFAULTS, **orig.props}, {**BUILTIN_DEFAULTS, **back.props}
    assert b["handler"].function_name == a["handler"].function_name, where
    assert _digest(_handler_file(back_root, b["handler"])) == _digest(
        _handler_file(orig_root, a["handler"])
    ), where
    for prop in ("runtime", "timeout", "memory_size", "architecture", "tracing", "layers"):
        assert b.get(prop) == a.get(prop), (where, prop)
    env_a, env_b = dict(a.get("environment") or {}), dict(b.get("environment") or {})
    assert set(env_b) >= set(env_a), where
    for key, value in env_a.items():
        if isinstance(value, Ref):
            other = env_b[key]
            assert isinstance(other, Ref) and other.attribute == value.attribute, (where, key)
            assert other.resource.kind == value.resource.kind, (where, key)
        else:
            assert env_b[key] == value, (where, key)


@pytest.mark.parametrize("name", _seed_names())
def test_round_trip(name, seed_project, tmp_path, monkeypatch):
    from seed_examples import SEED_EXAMPLES

    monkeypatch.chdir(seed_project)
    api, kwargs = SEED_EXAMPLES[name]()
    if api.spec.cdk.imports_api:
        pytest.skip("an imported API has no AWS::ApiGatewayV2::Api resource to read")
    out = _cdk_out(api, kwargs, tmp_path / "cdk.out")
    back = WebSocketApi.from_template(
        out, region=kwargs.get("region"), account=kwargs.get("account")
    )
    assert back.routes == api.routes
    for key in api.routes:
        assert back.get_route(key).return_response == api.get_route(key).return_response, key
        _same_function(
            api.get_function(key), seed_project, back.get_function(key), back.template_root, key
        )
    auth = api.spec.authorizer
    if isinstance(auth, LambdaAuthorizer):
        got = back.spec.authorizer
        assert isinstance(got, LambdaAuthorizer)
        assert got.name == auth.name and got.identity_source == auth.identity_source
        _same_function(auth.function, seed_project, got.function, back.template_root, "authorizer")
    else:
        assert back.spec.authorizer == auth
    assert back.template_report.entries  # the report exists and names what it read


def test_cdk_out_chat_app_serves(seed_project, tmp_path, monkeypatch):
    """The chat seed example, read back from its cloud assembly, runs in the emulator."""
    import asyncio
    import json

    import websockets
    from seed_examples import SEED_EXAMPLES

    monkeypatch.chdir(seed_project)
    api, kwargs = SEED_EXAMPLES["chat_app"]()
    out = _cdk_out(api, kwargs, tmp_path / "cdk.out")
    monkeypatch.chdir(tmp_path)
    back = WebSocketApi.from_template(out)

    async def talk(url):
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"action": "sendMessage"}))
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    with back.serve(iam="allow") as server:
        reply = asyncio.run(asyncio.wait_for(talk(server.url), 30))
        tables = server.client("dynamodb").list_tables()["TableNames"]
    assert reply == {"handler": "send"}  # the sendMessage route's return_response
    assert "dev-app-Connections" in tables  # the table name synth gave it


def test_a_synthesized_template_dict_with_base_dir(seed_project, tmp_path, monkeypatch):
    """The template of a cloud assembly, given as a dict: code found with base_dir=<cdk.out>."""
    import json

    from seed_examples import SEED_EXAMPLES

    from wsnb import TemplateError

    monkeypatch.chdir(seed_project)
    api, kwargs = SEED_EXAMPLES["minimal"]()
    out = _cdk_out(api, kwargs, tmp_path / "cdk.out")
    template = json.loads((out / "Seed.template.json").read_text())
    monkeypatch.chdir(tmp_path)
    back = WebSocketApi.from_template(template, base_dir=out)
    assert back.routes == api.routes
    with pytest.raises(TemplateError, match=r"load the cdk\.out folder or pass base_dir"):
        WebSocketApi.from_template(template, base_dir=seed_project)
