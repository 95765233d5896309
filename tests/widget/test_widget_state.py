"""ApiWidget state without a browser: traits, following the model, errors, mime bundle."""

from __future__ import annotations

import base64
import dataclasses
import gc
import json
import weakref

import pytest

from wsnb import Table, ValidationError, WebSocketApi
from wsnb.display import route_columns, route_rows, text_table, to_html, to_svg
from wsnb.widget import ApiWidget, _state

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def api(project) -> WebSocketApi:
    table = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})
    return (
        WebSocketApi("Chat")
        .defaults(timeout=20, environment={"TABLE_NAME": table.table_name}, permissions=[table])
        .route("$connect", "src/connect.main")
        .route("sendMessage", "src/send.main", memory_size=512, return_response=True)
    )


@pytest.fixture
def widget(api: WebSocketApi):
    w = api.show()
    yield w
    w.close()


def synced_state(w: ApiWidget) -> dict:
    names = [
        n for n in w.keys if not n.startswith("_") and n not in ("layout", "tabbable", "tooltip")
    ]
    return {n: getattr(w, n) for n in names}


def test_show_returns_a_widget_with_the_routes_merged_props_and_provenance(widget, api):
    assert isinstance(widget, ApiWidget) and widget.api is api
    assert [r["key"] for r in widget.routes] == ["$connect", "sendMessage"]
    assert widget.routes == route_rows(api.spec)  # the same rows as the static table
    send = widget.routes[1]
    assert send["props"]["memory_size"] == "512 MB" and send["provenance"]["memory_size"] == "route"
    assert send["props"]["timeout"] == "20 s" and send["provenance"]["timeout"] == "defaults"
    assert send["return_response"] is True
    assert widget.svg == to_svg(api.spec) and 'data-route="sendMessage"' in widget.svg
    assert widget.api_id == "Chat" and widget.digest == api.spec.digest()
    assert widget.overview["id"] == "Chat" and widget.overview["authorizer"] == "none"
    assert widget.error == widget.routes_error == widget.svg_error == widget.lint_error == ""


def test_every_synced_trait_is_plain_json(widget):
    state = synced_state(widget)
    assert json.loads(json.dumps(state)) == state


def test_lint_findings_are_plain_json_most_severe_first(project):
    api = WebSocketApi("Api").route("sendMessage", "src/send.main").authorizer("iam")
    w = api.show()
    levels = [f["level"] for f in w.findings]
    assert levels == sorted(levels, key=["error", "warning", "info"].index)
    assert levels[0] == "error"  # an authorizer without a $connect route
    assert {f["code"] for f in w.findings} == {f.code for f in api.lint()}
    assert all(set(f) == {"level", "code", "message", "fix"} for f in w.findings)
    w.close()


def test_widget_follows_changes_made_in_later_cells(widget, api):
    before = widget.digest
    api.route("$default", "src/default.main")
    assert [r["key"] for r in widget.routes] == ["$connect", "sendMessage", "$default"]
    assert widget.digest == api.spec.digest() != before
    assert 'data-route="$default"' in widget.svg
    api.authorizer("iam")
    assert widget.overview["authorizer"] == "iam"
    assert widget.routes[0]["authorization"] == "AWS_IAM"


def test_a_failed_builder_call_leaves_the_widget_showing_the_last_good_model(widget, api):
    before = synced_state(widget)
    with pytest.raises(ValidationError):
        api.route("$conect", "src/connect.main")
    assert synced_state(widget) == before


def test_a_model_that_fails_its_checks_shows_the_message_not_a_traceback(widget, api):
    clash = Table("Connections", fields={"pk": "number"}, primary_index={"partition_key": "pk"})
    broken = dataclasses.replace(api.spec, bind=(clash,))  # two different Tables named Connections
    api._spec = broken  # bypasses the builder's own check, as a hand-made spec could
    api._notify()
    assert "Two different Tables share the id 'Connections'" in widget.error
    assert "Traceback" not in widget.error
    api._spec = dataclasses.replace(broken, bind=())
    api._notify()
    assert widget.error == ""


def test_a_broken_section_reports_its_error_and_the_others_still_show(widget, api):
    from wsnb.model import RouteSpec

    no_handler = RouteSpec(key="broken", props={})
    api._spec = dataclasses.replace(api.spec, routes=(*api.spec.routes, no_handler))
    api._notify()
    assert widget.routes_error.startswith("KeyError")
    assert "Traceback" not in widget.routes_error
    assert widget.api_id == "Chat" and widget.digest == api.spec.digest()


def test_the_model_holds_the_widget_weakly(api):
    w = api.show()
    ref = weakref.ref(w)
    w.close()
    del w
    gc.collect()
    assert ref() is None
    api.route("$default", "src/default.main")  # notifying a dead view is harmless
    assert api.routes[-1] == "$default"


def test_mimebundle_has_the_widget_view_the_static_html_and_a_deterministic_text(widget, api):
    data, _metadata = widget._repr_mimebundle_()
    assert set(data) == {WIDGET_MIME, "text/html", "text/plain"}
    assert data[WIDGET_MIME]["model_id"] == widget.model_id
    assert data["text/html"] == to_html(api.spec)
    assert data["text/plain"] == text_table(api.spec) == repr(widget)
    other = api.show()
    data2, _ = other._repr_mimebundle_()
    assert data2["text/plain"] == data["text/plain"] and data2["text/html"] == data["text/html"]
    assert " at 0x" not in data["text/plain"]
    other.close()


def test_selected_route_is_cleared_when_the_route_goes_away(widget, api):
    widget.selected_route = "sendMessage"
    api._spec = dataclasses.replace(api.spec, routes=api.spec.routes[:1])
    api._notify()
    assert widget.selected_route == ""


def test_show_refuses_something_that_is_not_an_api():
    with pytest.raises(ValidationError, match="ApiWidget shows a WebSocketApi"):
        ApiWidget({"id": "Api"})


def test_error_text_is_one_line_for_foreign_errors_and_full_for_wsnb_errors():
    assert (
        _state.error_text(RuntimeError("jsii failed\n  at stack line"))
        == "RuntimeError: jsii failed …"
    )
    err = ValidationError("Bad.", given=1, fix="do x")
    assert _state.error_text(err) == str(err)


def test_template_state_carries_a_download_uri_and_counts():
    template = {
        "Resources": {
            "A": {"Type": "AWS::Lambda::Function"},
            "B": {"Type": "AWS::Lambda::Function"},
            "C": {"Type": "AWS::ApiGatewayV2::Api"},
        }
    }
    state = _state.synth_state(template, digest="d", filename="Api.template.json")
    assert state["resource_counts"] == [["AWS::ApiGatewayV2::Api", 1], ["AWS::Lambda::Function", 2]]
    prefix = "data:application/json;base64,"
    assert state["template_data_uri"].startswith(prefix)
    decoded = base64.b64decode(state["template_data_uri"][len(prefix) :]).decode()
    assert decoded == state["template_json"] and json.loads(decoded) == template


def test_emulator_values_become_bounded_plain_json():
    @dataclasses.dataclass
    class Conn:
        id: str
        connected_at: float
        headers: dict

    rows = _state.connection_rows({"abc=": Conn("abc=", 1.5, {"a": b"x"})})
    assert rows == [{"id": "abc=", "connected_at": 1.5}]
    row = _state.event_row(
        {"type": "message", "routeKey": "sendMessage", "connectionId": "abc=", "body": "x" * 5000}
    )
    assert (
        row["kind"] == "message" and row["route"] == "sendMessage" and row["connection"] == "abc="
    )
    assert len(row["text"]) == 2000 and row["level"] == "info"
    assert _state.event_row({"type": "error", "error": "boom"})["level"] == "error"


def _static_headers(spec) -> list[str]:
    """The column headers of the static route table, across the tables it is split into when
    it is too wide (each further table repeats the route column first)."""
    headers: list[str] = []
    for head in to_html(spec).split("<thead>")[1:]:
        head = head.split("</thead>", 1)[0]
        cells = head.removeprefix("<tr><th>").removesuffix("</th></tr>").split("</th><th>")
        headers += cells if not headers else cells[1:]
    return headers


def test_routes_tab_has_the_columns_of_the_static_table_decided_in_python(widget, api):
    assert widget.route_columns == route_columns(route_rows(api.spec))
    labels = [c["label"] for c in widget.route_columns]
    assert ["route", "handler", *labels] == _static_headers(api.spec)
    # route-level columns first; the runtime only where it is not wsnb's default
    assert labels == ["reply", "timeout", "memory", "environment", "permissions"]
    api.authorizer("iam")  # a later cell: the auth column appears in both views
    assert [c["name"] for c in widget.route_columns][:2] == ["reply", "auth"]
    assert ["route", "handler", *(c["label"] for c in widget.route_columns)] == _static_headers(
        api.spec
    )


def test_routes_tab_leaves_out_the_columns_no_route_uses(project):
    table = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})
    api = (
        WebSocketApi("Chat")
        .defaults(bind=[table])
        .route("$connect", "src/connect.main")
        .route("sendMessage", "src/send.main")
    )
    w = api.show()
    # no auth, environment, permissions, layers, reply; the built-in architecture and tracing
    # every function has make no "other" column
    assert w.route_columns == [
        {"name": "timeout", "label": "timeout"},
        {"name": "memory_size", "label": "memory"},
        {"name": "bind", "label": "bind"},
    ]
    api.route("$default", "src/default.main", description="fallback", architecture="arm_64")
    assert w.route_columns[-1] == {
        "name": "other",
        "label": "other",
        "props": ["architecture", "description"],
    }
    assert _static_headers(api.spec)[-1] == "other"
    api.route("typing", "src/send.main", runtime="python3.11")  # not the default runtime
    assert w.route_columns[0] == {"name": "runtime", "label": "runtime"}
    assert _static_headers(api.spec)[2] == "runtime"
    w.close()


def test_routes_without_a_function_are_in_the_routes_tab_with_their_integration(widget, api):
    # issue 19 §2: a later cell adds routes that are not Lambda proxies; the Routes tab lists
    # them (as plain JSON), with the same columns as the static table
    from wsnb import AwsIntegration, MockIntegration

    api.route("$default", MockIntegration(request_templates={"$default": '{"statusCode": 200}'}))
    api.route("start", AwsIntegration("states", action="StartExecution", permissions=["states:*"]))
    assert [r["key"] for r in widget.routes] == ["$connect", "sendMessage", "$default", "start"]
    assert widget.routes == route_rows(api.spec)
    json.dumps(widget.routes)
    mock = widget.routes[2]
    assert mock["handler"] == "" and mock["target"] == "API Gateway answers (statusCode 200)"
    assert mock["integration"] == "MOCK" and mock["props"] == {} and mock["local"] == ""
    assert widget.routes[3]["local"].startswith("no local states")
    names = [c["name"] for c in widget.route_columns]
    assert names[:3] == ["integration", "local", "reply"]
    assert ["route", "target", *(c["label"] for c in widget.route_columns)] == _static_headers(
        api.spec
    )
    assert 'class="wsnb-node wsnb-target" data-route="$default"' in widget.svg
