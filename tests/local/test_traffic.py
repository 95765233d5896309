"""``server.traffic()``: the sequence diagram and per-route summary of a local run.

The arrows follow API Gateway's documented flow ("Overview of WebSocket APIs in API Gateway":
clients send messages to routes, integrations call back through the @connections API with
"Use @connections commands in your backend service"); the picture itself is wsnb's choice.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from html.parser import HTMLParser

import pytest
import websockets
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.local import handlers_traffic as ht
from tests.local.conftest import action, run, wait_until
from wsnb import WebSocketApi
from wsnb.local._traffic import Traffic


def _chat_api() -> WebSocketApi:
    return (
        WebSocketApi("Traffic")
        .route("$connect", ht.on_connect)
        .route("$disconnect", ht.on_disconnect)
        .route("say", ht.broadcast)
        .route("ping", ht.ping, return_response=True)
        .route("boom", ht.boom)
    )


@pytest.fixture(scope="module")
def traffic():
    ht.CONNECTED.clear()
    with _chat_api().serve() as srv:

        async def go():
            async with websockets.connect(srv.url) as alice:
                async with websockets.connect(srv.url) as bob:
                    await alice.send(action("say", text="hi"))
                    got = [await asyncio.wait_for(ws.recv(), 5) for ws in (alice, bob)]
                    await bob.send(action("ping"))
                    got.append(await asyncio.wait_for(bob.recv(), 5))
                    await bob.send(action("boom"))
                    got.append(await asyncio.wait_for(bob.recv(), 5))
                    await bob.send("not json")  # no $default: Forbidden
                    got.append(await asyncio.wait_for(bob.recv(), 5))
                await asyncio.sleep(0.2)
            return got

        got = run(go())
        wait_until(lambda: len([e for e in srv.events if e["type"] == "disconnect"]) == 2)
        wait_until(lambda: not ht.CONNECTED)
        yield srv, srv.traffic(), got


STEPS = """\
  1. client 1 -> API Gateway: connect
  2. API Gateway -> λ $connect: CONNECT
  3. API Gateway --> client 1: 101 connected
  4. client 2 -> API Gateway: connect
  5. API Gateway -> λ $connect: CONNECT
  6. API Gateway --> client 2: 101 connected
  7. client 1 -> API Gateway: {"action": "say", "text": "hi"}
  8. API Gateway -> λ say: say
  9. λ say -> @connections: POST → client 1
 10. @connections --> client 1: {"action": "say", "text": "hi"}
 11. λ say -> @connections: POST → client 2
 12. @connections --> client 2: {"action": "say", "text": "hi"}
 13. λ say --> API Gateway: ok
 14. client 2 -> API Gateway: {"action": "ping"}
 15. API Gateway -> λ ping: ping
 16. λ ping --> API Gateway: ok
 17. API Gateway --> client 2: pong $1
 18. client 2 -> API Gateway: {"action": "boom"}
 19. API Gateway -> λ boom: boom
 20. λ boom --> API Gateway: error
 21. API Gateway --> client 2: Internal server error
 22. client 2 -> API Gateway: not json
 23. API Gateway --> client 2: Forbidden (no route)
 24. client 2 -> API Gateway: close 1000
 25. API Gateway -> λ $disconnect: DISCONNECT
 26. client 1 -> API Gateway: close 1000
 27. API Gateway -> λ $disconnect: DISCONNECT"""


def test_sequence_of_a_real_exchange(traffic):
    _, picture, got = traffic
    assert got[2] == "pong $1" and json.loads(got[3])["message"] == "Internal server error"
    assert json.loads(got[4])["message"] == "Forbidden"
    assert picture.to_text() == STEPS


def test_summary_as_data(traffic):
    _, picture, _ = traffic
    rows = {r["route"]: r for r in picture.summary()}
    assert {k: (r["count"], r["errors"]) for k, r in rows.items()} == {
        "$connect": (2, 0),
        "say": (1, 0),
        "ping": (1, 0),
        "boom": (1, 1),
        "(no route)": (1, 1),
        "$disconnect": (2, 0),
    }
    for key in ("say", "ping", "boom"):
        assert 0 <= rows[key]["p50_ms"] <= rows[key]["p95_ms"] < 5000
    assert rows["(no route)"]["p50_ms"] is None


def test_mermaid_text(traffic):
    _, picture, _ = traffic
    text = picture.to_mermaid()
    lines = text.splitlines()
    assert lines[0] == "sequenceDiagram"
    assert (
        "    participant P0 as client 1" in lines and "    participant P2 as API Gateway" in lines
    )
    assert any(line.endswith("as @connections") for line in lines)
    assert "P4-->>P2: ok" in text.replace("    ", "")  # λ say answers API Gateway
    assert "--xP" in text  # failed replies are crossed
    assert len([line for line in lines if ":" in line and "participant" not in line]) == 27


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_survives_untrusted_and_github_sanitizers(traffic):
    _, picture, _ = traffic
    page = picture.to_html()
    parser = _Tags()
    parser.feed(page)
    # Plain elements only (GitHub's and JupyterLab's allow-lists keep them); no <style>/<svg>.
    assert parser.tags <= {"div", "table", "tr", "th", "td", "p"}
    assert "$" not in page and "&#36;connect" in page
    assert 'class="wsnb-traffic tex2jax_ignore mathjax_ignore"' in page
    # Legible with every style stripped: the steps' words and arrow glyphs are text.
    unstyled = re.sub(r'\sstyle="[^"]*"', "", page)
    parser = _Tags()
    parser.feed(unstyled)
    text = "".join(parser.text)
    for words in ("client 1", "λ $connect", "POST → client 2 ▶", "◀ Internal server error"):
        assert words in text
    assert re.search(r"\d+\.\d ms", text)  # latencies in a maskable form


def test_same_events_same_bytes_and_no_ids(traffic):
    srv, picture, _ = traffic
    events = srv.events
    again = Traffic(events, srv.api.spec.route_keys)
    assert again.to_mermaid() == picture.to_mermaid()
    assert again.to_html(summary=False) == picture.to_html(summary=False)
    for cid in {e["connectionId"] for e in events if e.get("connectionId")}:
        assert cid not in picture.to_html() and cid not in picture.to_mermaid()


def test_a_post_logged_before_its_message_is_drawn_after_it(traffic):
    srv, picture, _ = traffic
    events = srv.events
    i = next(n for n, e in enumerate(events) if e["type"] == "message")
    posts = [e for e in events if e["type"] == "post"]
    reordered = [e for e in events[:i] if e["type"] != "post"] + posts
    reordered += [e for e in events[i:] if e["type"] != "post"]
    assert Traffic(reordered, srv.api.spec.route_keys).to_text() == picture.to_text()


def test_last_limits_the_window(traffic):
    srv, _, _ = traffic
    assert srv.traffic(last=0).to_text() == "(no traffic yet)"
    assert "(no traffic yet)" in srv.traffic(last=0).to_html()


_KINDS = ["connect", "reject", "message", "post", "result", "close", "disconnect", "authorize"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(_KINDS),
                "connectionId": st.sampled_from(["a", "b", "c", None]),
                "routeKey": st.sampled_from(["$connect", "$disconnect", "say", None, "notebook"]),
                "requestId": st.sampled_from(["r1", "r2", None]),
                "status": st.sampled_from([200, 403, 410, 500, 504, None]),
                "detail": st.one_of(st.none(), st.text(max_size=50)),
                "time": st.floats(0, 10),
            }
        ),
        max_size=30,
    )
)
def test_any_event_log_renders_deterministically(events):
    routes = ["$connect", "$disconnect", "say"]
    one, two = Traffic(events, routes), Traffic(list(events), routes)
    assert one.to_html() == two.to_html() and one.to_mermaid() == two.to_mermaid()
    assert "$" not in one.to_html()
    for line in one.to_mermaid().splitlines()[1:]:
        assert "\n" not in line and ";" not in line.replace("#59;", "").replace("#35;", "")
    random.Random(0).shuffle(events)  # any order still renders
    Traffic(events, routes).summary()
