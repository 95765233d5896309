"""from_template reads every property of the templates in _templates.py (YAML, JSON, SAM)."""

from __future__ import annotations

import json

import pytest

from wsnb import EmulatorError, MockIntegration, WebSocketApi
from wsnb.model._physical import NamedBucket, NamedParameter, NamedTable

from ._templates import write_full, write_sam


@pytest.fixture
def full(tmp_path):
    return WebSocketApi.from_template(write_full(tmp_path))


def test_yaml_short_form_and_json_read_the_same_model(tmp_path, full):
    as_json = WebSocketApi.from_template(write_full(tmp_path / "j", as_json=True))
    assert as_json.spec == full.spec


def test_api_routes_integrations_and_route_responses(full):
    assert full.id == "Api"
    # every deployed route, the MOCK one too (issue 19: no route hidden); a false Condition
    # is not deployed
    assert full.routes == ["$connect", "echo", "node", "mock"]
    mock = full.spec.route("mock").integration
    assert isinstance(mock, MockIntegration) and not mock.request_templates
    cdk = full.spec.cdk
    # "Route selection expressions" (API Gateway developer guide): read from the Api.
    assert cdk.web_socket_api["route_selection_expression"] == "$request.body.type"
    assert cdk.web_socket_api["api_name"] == "test-full"  # !Sub with a parameter default
    assert cdk.web_socket_api["description"] == "Every property"
    assert full.get_route("echo").return_response is True
    assert full.get_route("$connect").return_response is False
    report = full.template_report
    ignored = {e.logical_id for e in report.ignored}
    assert {"ProdOnlyRoute", "Unused"} <= ignored
    assert {"MockRoute", "MockInteg"} <= {e.logical_id for e in report.read}


def test_function_props(full):
    fn = full.get_function("echo").props
    assert str(fn["handler"]).endswith("handler.main")
    assert fn["runtime"] == "python3.12" and fn["timeout"] == 20
    assert fn["memory_size"] == 512  # Fn::FindInMap with the Env parameter
    assert fn["architecture"] == "arm_64" and fn["tracing"] == "active"
    assert fn["layers"] == ("arn:aws:lambda:us-east-1:123456789012:layer:shared:3",)
    env = fn["environment"]
    assert env["MODE"] == "beta"  # Fn::If false branch, Fn::Select over a CommaDelimitedList
    assert env["SPLIT"] == "x" and env["FLAG"] == "yes"
    assert env["REGION_TEXT"] == "us-east-1/123456789012/local/amazonaws.com"
    table, bucket, param = (env[k].resource for k in ("TABLE", "BUCKET", "PARAM"))
    assert isinstance(table, NamedTable) and table.physical_name == "test-items"
    assert table.primary_index == {"partition_key": "pk", "sort_key": "sk"}
    assert table.fields == {"pk": "string", "sk": "number", "room": "string"}
    assert table.global_indexes == {"byRoom": {"partition_key": "room"}}
    assert isinstance(bucket, NamedBucket) and bucket.physical_name == "full-uploads-bucket"
    assert isinstance(param, NamedParameter) and param.physical_name == "/full/setting"
    # the role's statements as they are: GetItem/PutItem on the table's ARN (its placeholder)
    statement = fn["permissions"][0]
    assert statement["Action"] == ["dynamodb:GetItem", "dynamodb:PutItem"]
    assert statement["Resource"] == [table.table_arn]


def test_pseudo_parameters_from_region_and_account(tmp_path):
    api = WebSocketApi.from_template(
        write_full(tmp_path), region="eu-west-1", account="210987654321", parameters={"Env": "prod"}
    )
    env = api.get_function("echo").props["environment"]
    assert env["REGION_TEXT"] == "eu-west-1/210987654321/local/amazonaws.com"
    assert env["MODE"] == "production"
    assert api.get_function("echo").props["memory_size"] == 2048
    assert "prodonly" in api.routes  # the IsProd condition is now true


def test_authorizer_stage_and_domain(full):
    auth = full.spec.authorizer
    assert auth.name == "TokenAuth"
    assert auth.identity_source == ("route.request.querystring.token",)
    assert auth.function.props["runtime"] == "python3.11"
    stage = full.spec.cdk.web_socket_stage
    assert stage["stage_name"] == "test" and stage["auto_deploy"] is True
    assert stage["throttle"] == {"rate_limit": 50.0, "burst_limit": 100}
    log = full.spec.access_log
    assert log.format == "$context.requestId $context.routeKey $context.status"
    assert log.retention == "one_week"
    assert full.custom_domain_url == "wss://ws.example.com/v1/"
    assert full.template_stage == "test"


def test_report_lists_every_resource(full):
    report = full.template_report
    template_ids = {
        "Api", "ConnectRoute", "ConnectInteg", "EchoRoute", "EchoResponse", "EchoInteg",
        "NodeRoute", "NodeInteg", "ProdOnlyRoute", "MockRoute", "MockInteg", "Auth", "Stage",
        "Logs", "Domain", "Mapping", "Table", "Uploads", "Setting", "Role", "Handler", "AuthFn",
        "NodeFn", "Unused",
    }  # fmt: skip
    assert {e.logical_id for e in report.entries} == template_ids  # nothing dropped silently
    assert all(e.status in ("read", "approximated", "ignored") for e in report.entries)
    assert "read (" in str(report) and "<table>" in report._repr_html_()
    json.dumps(report.to_dict())


def test_display_notes_where_it_came_from_and_runtimes(full):
    bundle = full._repr_mimebundle_()
    assert "From template <code>full.yaml</code>" in bundle["text/html"]
    assert "nodejs20.x" in bundle["text/html"] and "<svg" in bundle["text/html"]
    assert "node: Lambda proxy → NodeFn (nodejs20.x)" in bundle["text/plain"]
    assert "mock: MOCK" in bundle["text/plain"]  # every route, its integration named
    assert full._repr_mimebundle_() == bundle  # deterministic


def test_lint_notes_foreign_and_other_python_runtimes(full):
    codes = {f.code for f in full.lint()}
    assert "template-foreign-runtime" in codes
    assert "handler-file-missing" not in {
        f.code for f in full.lint() if "node" not in f.message and "NodeFn" not in f.message
    }


def test_serve_runs_node_functions_and_refuses_other_runtimes_by_name(tmp_path, full):
    # SPEC §7: functions on a Node.js runtime run (§8); Java, Go, .NET, ... are refused by name.
    import asyncio

    import websockets

    from wsnb.local import serve
    from wsnb.template._load import parse_file

    async def call_node(url):
        async with websockets.connect(url + "/?token=letmein") as ws:
            await ws.send(json.dumps({"type": "node"}))  # the template routes on $request.body.type

    with full.serve() as srv:
        asyncio.run(asyncio.wait_for(call_node(srv.url), 30))
        from tests.waiting import wait_until

        results = wait_until(
            lambda: [e for e in srv.events if e["type"] == "result" and e["routeKey"] == "node"],
            timeout=30,
        )  # the client may close before its message's invocation ends: it still runs
    assert results[0]["status"] == 200  # the inline CommonJS handler ran on Node
    data = parse_file(write_full(tmp_path / "java"))
    data["Resources"]["NodeFn"]["Properties"]["Runtime"] = "java21"
    java = WebSocketApi.from_template(data, base_dir=tmp_path / "java")
    with pytest.raises(EmulatorError, match=r"NodeFn \(java21\)"):
        java.serve()
    with pytest.raises(EmulatorError, match="NodeFn"):
        serve(java)


def test_sam_globals_simple_table_policy_templates_inline_code(tmp_path):
    api = WebSocketApi.from_template(write_sam(tmp_path))
    fn = api.get_function("$default").props
    assert fn["timeout"] == 9 and fn["memory_size"] == 1024  # Globals, then the function wins
    assert fn["environment"]["SHARED"] == "from-globals"
    notes = fn["environment"]["NOTES"].resource
    assert notes.id == "Notes" and notes.primary_index == {"partition_key": "noteId"}
    read_only, s3 = fn["permissions"]  # SAM's DynamoDBReadPolicy; the managed policy kept
    assert read_only["Resource"] == [notes.table_arn, f"{notes.table_arn}/index/*"]
    assert "dynamodb:PutItem" not in read_only["Action"] and "dynamodb:Query" in read_only["Action"]
    assert s3 == "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    old = api.get_function("old").props
    assert api.runtimes["OldFn"] == "python3.8"
    assert (api.template_root / str(old["handler"]).rsplit(".", 1)[0]).with_suffix(".py").is_file()
    report = api.template_report
    assert any("SQSSendMessagePolicy" in e.note for e in report.ignored)
    assert any("DynamoDBReadPolicy" in e.note for e in report.read)
    assert any(f.code == "template-runtime" and "python3.8" in f.message for f in api.lint())


def test_dict_source_and_api_choice(tmp_path):
    from wsnb.template._load import parse_file

    data = parse_file(write_full(tmp_path))
    data["Resources"]["Other"] = {
        "Type": "AWS::ApiGatewayV2::Api",
        "Properties": {"ProtocolType": "WEBSOCKET", "RouteSelectionExpression": "$request.body.x"},
    }
    api = WebSocketApi.from_template(data, api="Api", base_dir=tmp_path)
    assert api.routes == ["$connect", "echo", "node", "mock"]
    other = WebSocketApi.from_template(data, api="Other", base_dir=tmp_path)
    assert other.routes == []


def test_non_python_runtime_is_in_the_route_table(full):
    row = next(line for line in repr(full).splitlines() if line.strip().startswith("node "))
    assert "nodejs20.x" in row and "python" not in row
    from wsnb.display import to_html

    assert "nodejs20.x" in to_html(full.spec)


def test_synth_leaves_out_routes_whose_function_is_not_python_and_names_them(full, tmp_path):
    from wsnb.template import TemplateSynthWarning

    # "node" is served (Node.js runs locally) but its template code is not a handler file
    # wsnb builds: synth()/export() leave the route out, and say which
    with pytest.warns(TemplateSynthWarning) as warned:
        result = full.synth()
    messages = [str(w.message) for w in warned]
    assert any("left out route(s) 'node' (NodeFn (nodejs20.x))" in m for m in messages), messages
    assert any("the output differs from full.yaml" in m for m in messages), messages
    keys = [
        r["Properties"]["RouteKey"]
        for r in result.template["Resources"].values()
        if r["Type"] == "AWS::ApiGatewayV2::Route"
    ]
    assert "node" not in keys and sorted(keys) == sorted(k for k in full.routes if k != "node")
    assert not any("NodeFn" in lid for lid in result.template["Resources"])
    assert any("left out route(s) 'node'" in str(w) for w in result.warnings)
    assert full.routes == ["$connect", "echo", "node", "mock"]  # the model keeps it
    with pytest.warns(TemplateSynthWarning) as warned:
        exported = full.export(tmp_path / "app")
    messages = [str(w.message) for w in warned]
    assert any("left out route" in m for m in messages), messages
    assert any("export(): the output differs from full.yaml" in m for m in messages), messages
    assert any("'node' (NodeFn (nodejs20.x))" in str(w) for w in exported.warnings)


def test_synth_refuses_when_no_route_is_left(tmp_path):
    from wsnb import SynthError
    from wsnb.template._load import parse_file

    data = parse_file(write_full(tmp_path))
    resources = data["Resources"]
    for lid in [
        lid
        for lid, r in resources.items()
        if r["Type"].startswith(("AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Authorizer"))
        and lid != "NodeRoute"
    ]:
        del resources[lid]
    only_node = WebSocketApi.from_template(data, base_dir=tmp_path)
    assert only_node.routes == ["node"]
    with pytest.raises(SynthError, match=r"every route's function is another runtime: NodeFn"):
        only_node.synth()


def test_missing_extra_is_named(tmp_path, monkeypatch):
    import sys

    from wsnb import MissingDependencyError

    monkeypatch.setitem(sys.modules, "cfnlint.decode", None)  # as if cfn-lint were absent
    with pytest.raises(MissingDependencyError, match="cfnlint") as err:
        WebSocketApi.from_template(write_full(tmp_path))
    assert err.value.fix == "pip install 'wsnb[templates]'"


def test_copy_keeps_the_template(full):
    # the widget synthesizes and serves a copy of the API
    snapshot = full.copy()
    assert type(snapshot) is type(full) and snapshot == full
    assert snapshot.template_root == full.template_root
    assert snapshot.template_report is full.template_report
    assert snapshot.foreign_functions() == {"NodeFn": "nodejs20.x"}


def test_declared_runtimes_show_and_foreign_handlers_need_no_py_file(tmp_path, full):
    sam = WebSocketApi.from_template(write_sam(tmp_path))
    row = next(line for line in repr(sam).splitlines() if line.strip().startswith("old "))
    assert "python3.8" in row  # what the template declares (the model synthesizes python3.12)
    assert sam.foreign_functions() == {}
    assert not [f for f in full.lint() if f.code == "handler-file-missing"]
