"""Bad templates: one clear TemplateError naming the resource and the property path."""

from __future__ import annotations

import json

import pytest

from wsnb import TemplateError, WebSocketApi, WsnbError

from ._templates import write_full

API = {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}}


def _route(target):
    return {
        "Type": "AWS::ApiGatewayV2::Route",
        "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "$default", "Target": target},
    }


def _load(resources, **kw):
    return WebSocketApi.from_template({"Resources": {"Api": API, **resources}}, **kw)


def _first_line(exc: WsnbError) -> str:
    return str(exc).splitlines()[0]


def test_invalid_yaml(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  Api:\n    Type: [unclosed\n")
    with pytest.raises(TemplateError, match=r"t\.yaml: not valid YAML"):
        WebSocketApi.from_template(path)


def test_invalid_json(tmp_path):
    path = tmp_path / "t.json"
    path.write_text('{"Resources": {"Api": }')
    with pytest.raises(TemplateError, match=r"t\.json: not valid JSON \(line 1"):
        WebSocketApi.from_template(path)


def test_unknown_intrinsic():
    with pytest.raises(TemplateError) as err:
        _load({"R": _route({"Fn::Bogus": ["x"]})})
    assert _first_line(err.value) == (
        "R.Properties.Target.Fn::Bogus: unknown intrinsic function 'Fn::Bogus'."
    )


def test_route_to_missing_integration():
    with pytest.raises(TemplateError) as err:
        _load({"R": _route("integrations/abc123")})
    assert "R.Properties.Target" in _first_line(err.value)
    assert err.value.path == "R.Properties.Target"


def test_ref_to_undefined_resource():
    with pytest.raises(TemplateError, match=r"R\.Properties\.Target\.Fn::Join.*Ref 'Missing'"):
        _load({"R": _route({"Fn::Join": ["/", ["integrations", {"Ref": "Missing"}]]})})


def test_integration_to_a_non_function():
    integ = {
        "Type": "AWS::ApiGatewayV2::Integration",
        "Properties": {
            "ApiId": {"Ref": "Api"},
            "IntegrationType": "AWS_PROXY",
            "IntegrationUri": {"Fn::GetAtt": ["Topic", "Arn"]},
        },
    }
    with pytest.raises(
        TemplateError, match=r"I\.Properties\.IntegrationUri: .*'Topic'.*AWS::SNS::Topic"
    ):
        _load(
            {
                "R": _route({"Fn::Sub": "integrations/${I}"}),
                "I": integ,
                "Topic": {"Type": "AWS::SNS::Topic"},
            }
        )


def test_missing_code_path(tmp_path):
    path = write_full(tmp_path)
    path.write_text(path.read_text().replace("Code: src", "Code: nowhere"))
    with pytest.raises(TemplateError) as err:
        WebSocketApi.from_template(path)
    assert _first_line(err.value).startswith("Handler.Properties.Code: code path ")
    assert "does not exist" in _first_line(err.value)


def test_missing_handler_file(tmp_path):
    path = write_full(tmp_path)
    (tmp_path / "src" / "handler.py").unlink()
    with pytest.raises(
        TemplateError, match=r"Handler\.Properties\.Handler: 'handler\.main' names handler\.py"
    ):
        WebSocketApi.from_template(path)


def test_parameter_without_default():
    with pytest.raises(TemplateError, match=r"Parameters\.Name: the parameter has no Default"):
        WebSocketApi.from_template(
            {"Parameters": {"Name": {"Type": "String"}}, "Resources": {"Api": API}}
        )


def test_unknown_parameter_override():
    with pytest.raises(TemplateError, match="no parameter 'Nope'"):
        _load({}, parameters={"Nope": "x"})


def test_several_apis_listed_and_none():
    with pytest.raises(TemplateError, match="defines 2 WebSocket APIs") as err:
        WebSocketApi.from_template({"Resources": {"Api": API, "Two": API}})
    assert err.value.allowed == "Api, Two"
    http = {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}}
    with pytest.raises(TemplateError, match="defines no WebSocket API"):
        WebSocketApi.from_template({"Resources": {"H": http}})
    with pytest.raises(TemplateError, match="no WebSocket API with logical id 'Zed'"):
        _load({}, api="Zed")


def test_not_a_template(tmp_path):
    with pytest.raises(TemplateError, match="needs a Resources mapping"):
        WebSocketApi.from_template({"Foo": 1})
    with pytest.raises(TemplateError, match="does not exist"):
        WebSocketApi.from_template(tmp_path / "nope.yaml")
    with pytest.raises(TemplateError, match="cloud assembly"):
        WebSocketApi.from_template(tmp_path)
    (tmp_path / "x.json").write_text(json.dumps([1]))
    with pytest.raises(TemplateError):
        WebSocketApi.from_template(tmp_path / "x.json")
