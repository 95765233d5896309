"""The widget's buttons without a browser: Synthesize (real aws-cdk-lib) and the local emulator
(real websockets client), driven through the same custom messages the front end sends."""

from __future__ import annotations

import base64
import json

import pytest

from tests.waiting import wait_until
from wsnb import WebSocketApi

SEND = """import json


def main(event, context):
    return {"statusCode": 200, "body": "echo: " + json.loads(event["body"])["data"]}
"""


def click(widget, action: str) -> None:
    """What the front end does on a button click: a custom message to the kernel."""
    widget._handle_custom_msg({"action": action}, [])


@pytest.fixture
def chat(project) -> WebSocketApi:
    (project / "src" / "send.py").write_text(SEND)
    return (
        WebSocketApi("Chat")
        .route("$connect", "src/connect.main")
        .route("sendMessage", "src/send.main", return_response=True)
    )


@pytest.mark.cdk
def test_synthesize_button_runs_in_a_thread_and_reports_the_template(chat):
    w = chat.show()
    seen: list[str] = []
    w.observe(lambda change: seen.append(change["new"]), names="synth_status")
    click(w, "synth")
    click(w, "synth")  # a second click while running is ignored
    w._synth.wait(300)
    assert seen == ["running", "done"], w.synth_error
    template = json.loads(w.template_json)
    assert template == chat.synth().template
    counts = dict(w.resource_counts)
    assert counts["AWS::ApiGatewayV2::Route"] == 2 and counts["AWS::Lambda::Function"] == 2
    assert sum(counts.values()) == len(template["Resources"])
    payload = w.template_data_uri.removeprefix("data:application/json;base64,")
    assert json.loads(base64.b64decode(payload)) == template
    assert w.template_filename == "Chat.template.json"
    assert w.template_digest == w.digest
    chat.route("$default", "src/default.main")
    assert w.template_digest != w.digest  # the front end marks the template stale
    w.close()


@pytest.mark.cdk
def test_a_model_that_cannot_synthesize_shows_the_message_not_a_traceback(project):
    api = WebSocketApi("Api").route("sendMessage", "src/send.main").authorizer("iam")
    w = api.show().synthesize(wait=True)
    assert w.synth_status == "error"
    assert "$connect" in w.synth_error and "Traceback" not in w.synth_error
    assert w.template_json == ""
    w.close()


def talk(url: str, message: dict) -> str:
    from websockets.sync.client import connect

    with connect(url, open_timeout=10) as ws:
        ws.send(json.dumps(message))
        return ws.recv(timeout=10)


def test_local_section_starts_the_emulator_and_shows_connections_and_events(chat):
    w = chat.show()
    click(w, "serve")
    w._server.wait(60)
    assert w.server_status == "running", w.server_error
    assert w.server_url.startswith("ws://127.0.0.1:") and w.server.url == w.server_url
    reply = talk(w.server_url, {"action": "sendMessage", "data": "hi"})
    assert reply == "echo: hi"
    wait_until(lambda: any(e["route"] == "sendMessage" for e in w.events), timeout=30)
    kinds = [e["kind"] for e in w.events]
    assert "connect" in kinds and "message" in kinds
    assert all(
        set(e) == {"kind", "route", "connection", "status", "text", "level", "time"}
        for e in w.events
    )
    assert json.loads(json.dumps(w.events)) == w.events  # plain JSON
    # server.traffic() as data for the Local tab's picture
    wait_until(
        lambda: any(s["target"] == "λ sendMessage" for s in w.traffic.get("steps", [])), timeout=30
    )
    assert w.traffic["participants"][:2] == ["client 1", "API Gateway"]
    assert [r["route"] for r in w.traffic["summary"] if r["route"] == "sendMessage"] == [
        "sendMessage"
    ]
    assert json.loads(json.dumps(w.traffic)) == w.traffic
    wait_until(lambda: w.connections == [], timeout=30)  # the client closed
    click(w, "stop")
    assert w.server_status == "stopped" and w.server is None and w.server_url == ""
    w.close()


def test_closing_the_widget_stops_its_emulator(chat):
    w = chat.show().serve(wait=True)
    handle = w.server
    assert handle.running
    w.close()
    assert not handle.running


def test_an_emulator_that_cannot_start_shows_the_message(chat):
    from wsnb.widget import ApiWidget

    w = ApiWidget(chat, serve_options={"port": 70000}).serve(wait=True)
    assert w.server_status == "error"
    assert "70000" in w.server_error and "Traceback" not in w.server_error
    w.close()


@pytest.mark.cdk
def test_show_passes_synth_options_to_synth(chat):
    w = chat.show(synth_options={"app": "shop", "stage": "prod"}).synthesize(wait=True)
    assert w.synth_status == "done", w.synth_error
    assert w.synth_target == {
        "stack": "prod-shop",
        "app": "shop",
        "stage": "prod",
        "region": "",
        "account": "",
    }
    (note,) = [x for x in w.synth_warnings if x["code"] == "access-log-role"]
    assert note["level"] == "info" and "CloudWatchRoleArn" in note["text"]
    names = [r["Properties"].get("Name") for r in json.loads(w.template_json)["Resources"].values()]
    assert "prod-shop-Chat" in names
    w.close()


def test_a_burst_of_events_reaches_the_view_in_a_few_batches(chat):
    from websockets.sync.client import connect

    w = chat.show().serve(wait=True)
    updates: list[int] = []
    w.observe(lambda change: updates.append(len(change["new"])), names="events")
    with connect(w.server_url, open_timeout=10) as ws:
        for i in range(40):
            ws.send(json.dumps({"action": "sendMessage", "data": str(i)}))
            assert ws.recv(timeout=10) == f"echo: {i}"
    wait_until(lambda: sum(e["kind"] == "message" for e in w.events) == 40, timeout=30)
    assert len(updates) <= 10, updates  # 80+ events, batched, not one update each
    w.close()
