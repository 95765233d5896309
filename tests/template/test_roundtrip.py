"""Round trip: for every seed example and the integration examples (SPEC §9:
``tests/integration_examples.py``), ``from_template(<cdk.out of the API>)`` reproduces its
routes, handlers, function props, authorizer, route responses and integrations (issue 20:
"``from_template(api.synth() cdk.out)`` reproduces the integrations")."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from wsnb import LambdaAuthorizer, WebSocketApi
from wsnb.model._resources import Ref

pytestmark = pytest.mark.cdk


def _integration_examples() -> dict:
    from integration_examples import mixed_api, mock_only_api

    return {"mixed_api": mixed_api, "mock_only_api": mock_only_api}


def _seed_names():
    from seed_examples import SEED_EXAMPLES

    return list(SEED_EXAMPLES) + list(_integration_examples())


def _example(name: str) -> tuple[WebSocketApi, dict]:
    from seed_examples import SEED_EXAMPLES

    if name in SEED_EXAMPLES:
        return SEED_EXAMPLES[name]()
    return _integration_examples()[name](), {}


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


def _same_integration(api: WebSocketApi, back: WebSocketApi, key: str) -> None:
    """The route's integration read back is the one synthesized: equal once the tables it
    names are the same tables (read back, a table is named after its logical id and keeps the
    physical name synth gave it, ``<stage>-<app>-<id>``)."""
    import json

    a, b = api.spec.route(key).integration, back.spec.route(key).integration
    assert (a is None) == (b is None), key
    if a is None:
        return
    assert type(b) is type(a), key
    expected = a.to_json()
    if expected.get("credentials_role"):
        # with an imported role wsnb creates no role and grants nothing (lint says so:
        # integration-permissions-unused), so the template holds no permissions to read back
        expected.pop("permissions", None)
    got = json.dumps(b.to_json(), sort_keys=True)
    for res in back.spec.resources():
        physical = getattr(res, "physical_name", "")
        same = [
            r for r in api.spec.resources() if r.kind == res.kind and physical.endswith(f"-{r.id}")
        ]
        if same:
            got = got.replace(json.dumps(res.id)[1:-1], json.dumps(same[0].id)[1:-1])
    assert json.loads(got) == json.loads(json.dumps(expected, sort_keys=True)), key


@pytest.mark.parametrize("name", _seed_names())
def test_round_trip(name, seed_project, tmp_path, monkeypatch):
    monkeypatch.chdir(seed_project)
    api, kwargs = _example(name)
    if api.spec.cdk.imports_api:
        pytest.skip("an imported API has no AWS::ApiGatewayV2::Api resource to read")
    out = _cdk_out(api, kwargs, tmp_path / "cdk.out")
    back = WebSocketApi.from_template(
        out, region=kwargs.get("region"), account=kwargs.get("account")
    )
    assert back.routes == api.routes
    for key in api.routes:
        assert back.get_route(key).return_response == api.get_route(key).return_response, key
        _same_integration(api, back, key)
        if not api.spec.route(key).has_function:
            continue
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


def test_integrations_from_the_synthesized_template_dict(seed_project, tmp_path, monkeypatch):
    """The template of the integration example's cloud assembly, given as a dict (with
    base_dir for the code): the same integrations, return responses and lone $default
    integration responses read back as return_response (issue 20's round trip)."""
    import json

    from integration_examples import mixed_api

    monkeypatch.chdir(seed_project)
    api = mixed_api()
    out = _cdk_out(api, {}, tmp_path / "cdk.out")
    template = json.loads((out / "Seed.template.json").read_text())
    monkeypatch.chdir(tmp_path)
    back = WebSocketApi.from_template(template, base_dir=out)
    assert back.routes == api.routes
    for key in api.routes:
        _same_integration(api, back, key)
        assert back.get_route(key).return_response == api.get_route(key).return_response, key
    # the synthesized $default pass-through of a return_response route is implied again
    assert back.spec.route("fwd").integration.responses == ()
    assert (
        back.spec.route("echo").integration.responses
        == api.spec.route("echo").integration.responses
    )
    # nothing about the integrations differs from the template: no difference to report
    kinds = {"AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::IntegrationResponse"}
    assert [e for e in back.template_report.differences if e.type in kinds] == []
