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
from tests.local.conftest import action, run
from tests.waiting import wait_until
from wsnb import LambdaAuthorizer, WebSocketApi
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


def _disconnects_done(srv) -> int:
    return sum(e["type"] == "result" and e["routeKey"] == "$disconnect" for e in srv.events)


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
                # bob's $disconnect has run before alice closes (the picture's order)
                wait_until(lambda: _disconnects_done(srv) == 1, what="bob's $disconnect")
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


def _lines(picture: Traffic) -> list[str]:
    """``to_text()`` without the step numbers."""
    return [re.sub(r"^\s*\d+\. ", "", line) for line in picture.to_text().splitlines()]


def _records(events, kind, **match):
    return [e for e in events if e["type"] == kind and all(e.get(k) == v for k, v in match.items())]


def test_concurrent_invocations_each_post_drawn_in_their_own():
    # Six invocations at once (sync and async handlers); each sleeps, then posts "done <tag>"
    # naming its own message to its sender. Later messages sleep less, so the POSTs come in the
    # reverse order of the messages while all six are open: a pairing guessed from the route
    # (the oldest open invocation) draws them under the wrong message; the requestId does not.
    n = 6
    api = WebSocketApi("Pairs").route("tagged", ht.tagged).route("atagged", ht.tagged_async)
    with api.serve() as srv:

        async def go():
            clients = []
            try:
                for _ in range(n):
                    clients.append(await websockets.connect(srv.url, open_timeout=10))
                for i, ws in enumerate(clients):
                    route = "tagged" if i % 2 == 0 else "atagged"
                    await ws.send(action(route, tag=f"m{i}", wait=round(0.1 + 0.06 * (n - i), 2)))
                got = [await asyncio.wait_for(ws.recv(), 10) for ws in clients]
                cid = srv.connections[0]["connectionId"]
                await asyncio.to_thread(
                    srv.client().post_to_connection, ConnectionId=cid, Data=b"from the notebook"
                )
                got.append(await asyncio.wait_for(clients[0].recv(), 10))
            finally:
                for ws in clients:
                    await ws.close()
            return got

        got = run(go())
        wait_until(lambda: len(_records(srv.events, "result")) == n)
        events, picture = srv.events, srv.traffic()
    assert got == [f"done m{i}" for i in range(n)] + ["from the notebook"]
    # The records: each handler's post names the invocation of the message it answers.
    invocation_of = {
        re.search(r'"tag": "(m\d)"', m["detail"]).group(1): m for m in _records(events, "message")
    }
    posts = _records(events, "post")
    assert len(posts) == n + 1
    for post in posts:
        if post["routeKey"] == "notebook":
            assert post["invocationRequestId"] is None
            continue
        message = invocation_of[post["detail"].split()[1]]
        assert post["invocationRequestId"] == message["requestId"]
        assert post["routeKey"] == message["routeKey"]
        assert post["connectionId"] == message["connectionId"]
    # The picture: each message's group holds its own POST, to its sender, saying its own tag.
    lines = _lines(picture)
    for i in range(n):
        route = "tagged" if i % 2 == 0 else "atagged"
        (start,) = [j for j, line in enumerate(lines) if f'"tag": "m{i}"' in line]
        sender = lines[start].split(" -> ")[0]
        assert lines[start + 1 : start + 5] == [
            f"API Gateway -> λ {route}: {route}",
            f"λ {route} -> @connections: POST → {sender}",
            f"@connections --> {sender}: done m{i}",
            f"λ {route} --> API Gateway: ok",
        ]
    # The notebook's post (no invocation) is drawn on its own, from the notebook.
    at = lines.index("notebook -> @connections: POST → client 1")
    assert lines[at + 1] == "@connections --> client 1: from the notebook"


def test_lifecycle_posts_drawn_in_their_invocation_and_timed():
    # Three clients connect and leave at once; their authorizer, $connect and $disconnect each
    # post "<what> <name>" to a watcher. $connect posts before sleeping (all three "joined" are
    # logged before any handshake ends), $disconnect after (the last to leave posts first).
    ht.WATCHER.clear()
    ht.NAMES.clear()
    waits = {"a": 0.25, "b": 0.1, "c": 0.0}
    api = (
        WebSocketApi("Lifecycle")
        .route("$connect", ht.connect_report)
        .route("$disconnect", ht.disconnect_report)
        .route("say", ht.broadcast)
        .authorizer(
            LambdaAuthorizer(
                ht.authorize_report, identity_source=["route.request.querystring.name"]
            )
        )
    )
    with api.serve() as srv:

        async def go():
            async with websockets.connect(f"{srv.url}?name=watcher&watch=1") as watcher:
                clients = await asyncio.gather(
                    *(
                        websockets.connect(
                            f"{srv.url}?name={name}&wait={wait}&leave={wait}", open_timeout=10
                        )
                        for name, wait in waits.items()
                    )
                )
                await asyncio.gather(*(ws.close() for ws in clients))
                return [await asyncio.wait_for(watcher.recv(), 10) for _ in range(9)]

        got = run(go())
        wait_until(lambda: len(_records(srv.events, "result", routeKey="$disconnect")) == 4)
        events, picture = srv.events, srv.traffic()
    assert sorted(got) == sorted(
        f"{w} {n}" for w in ("authorized", "joined", "left") for n in waits
    )
    # The records: authorize, connect and disconnect name their invocation; posts point at it.
    name_of = {
        a["connectionId"]: a["detail"].split("principal=")[1] for a in _records(events, "authorize")
    }
    cid_of = {name: cid for cid, name in name_of.items()}
    started_by = {"authorized": "authorize", "joined": "connect", "left": "disconnect"}
    caller = {"authorized": "authorizer", "joined": "$connect", "left": "$disconnect"}
    posts = _records(events, "post")
    assert len(posts) == 9
    for post in posts:
        what, name = post["detail"].split()
        (start,) = _records(events, started_by[what], connectionId=cid_of[name])
        assert post["invocationRequestId"] == start["requestId"] is not None
        assert post["routeKey"] == caller[what]
    # The picture: each handshake holds its client's "authorized" and "joined" posts, each
    # disconnect its "left" post (clients are numbered in the order their handshakes ended).
    order = [c["connectionId"] for c in _records(events, "connect")]
    lines = _lines(picture)
    for number, cid in enumerate(order[1:], 2):
        client, name = f"client {number}", name_of[cid]
        start = lines.index(f"{client} -> API Gateway: connect")
        assert lines[start + 1 : start + 9] == [
            "API Gateway -> authorizer: authorize",
            "authorizer -> @connections: POST → client 1",
            f"@connections --> client 1: authorized {name}",
            "authorizer --> API Gateway: allow",
            "API Gateway -> λ $connect: CONNECT",
            "λ $connect -> @connections: POST → client 1",
            f"@connections --> client 1: joined {name}",
            f"API Gateway --> {client}: 101 connected",
        ]
        leave = lines.index(f"{client} -> API Gateway: close 1000")
        assert lines[leave + 1 : leave + 4] == [
            "API Gateway -> λ $disconnect: DISCONNECT",
            "λ $disconnect -> @connections: POST → client 1",
            f"@connections --> client 1: left {name}",
        ]
    # The summary times $connect and $disconnect like any route: from their result records.
    rows = {r["route"]: r for r in picture.summary()}
    assert (rows["$connect"]["count"], rows["$disconnect"]["count"]) == (4, 4)
    for route in ("$connect", "$disconnect"):
        results = _records(events, "result", routeKey=route)
        assert len(results) == 4 and all(r["status"] == 200 for r in results)
        assert all(r["time"] >= r["started"] for r in results)
        # a sleeps 0.25 s in each: the slowest of four (p95) took at least that long
        assert 240 <= rows[route]["p95_ms"] < 5000
        assert 0 <= rows[route]["p50_ms"] <= rows[route]["p95_ms"]


def test_posts_follow_their_invocation_id():
    # Two open invocations of one route, posting in reverse order (one before its message was
    # logged); a post from the notebook; one from an invocation the window does not show.
    def rec(kind, cid=None, **fields):
        return {"type": kind, "connectionId": cid, "time": 0.0, **fields}

    events = [
        rec("connect", "A", routeKey="$connect"),
        rec("connect", "B", routeKey="$connect"),
        rec("message", "A", routeKey="say", requestId="r1", detail="one"),
        rec("post", "B", routeKey="say", invocationRequestId="r2", status=200, detail="two"),
        rec("message", "B", routeKey="say", requestId="r2", detail="two?"),
        rec("post", "A", routeKey="say", invocationRequestId="r1", status=200, detail="one"),
        rec("post", "A", routeKey="notebook", invocationRequestId=None, status=200, detail="nb"),
        rec("result", "B", routeKey="say", requestId="r2", status=200),
        rec("post", "B", routeKey="say", invocationRequestId="r0", status=410, detail="x"),
        rec("result", "A", routeKey="say", requestId="r1", status=200),
    ]
    assert _lines(Traffic(events, ["say"])) == [
        "client 1 -> API Gateway: connect",
        "API Gateway --> client 1: 101 connected",
        "client 2 -> API Gateway: connect",
        "API Gateway --> client 2: 101 connected",
        "client 1 -> API Gateway: one",
        "API Gateway -> λ say: say",
        "λ say -> @connections: POST → client 1",
        "@connections --> client 1: one",
        "λ say --> API Gateway: ok",
        "client 2 -> API Gateway: two?",
        "API Gateway -> λ say: say",
        "λ say -> @connections: POST → client 2",
        "@connections --> client 2: two",
        "λ say --> API Gateway: ok",
        "notebook -> @connections: POST → client 1",
        "@connections --> client 1: nb",
        "λ say -> @connections: POST → client 2",
        "@connections --> λ say: 410 Gone",
    ]


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
