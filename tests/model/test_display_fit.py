"""The display fits the width a notebook output has (issue: the first screen at real widths).

The browser measures it for real (tests/widget/test_first_screen_browser.py); these pin the
rules in pure Python: the text drawing and the text table stay within their characters per
line, the HTML table packs its columns and moves the rest to narrower tables, long cells are
abbreviated with the full text kept, and the runtime shows wherever it differs from the default.
"""

from __future__ import annotations

import re

import pytest

from wsnb import Bucket, LambdaAuthorizer, Table, WebSocketApi
from wsnb.display import text_table, to_text_diagram

pytestmark = [
    pytest.mark.usefixtures("project"),
    pytest.mark.filterwarnings("ignore::wsnb.HandlerFileWarning"),
]

LONG_HANDLER = (
    "src/a_rather_long_package_name/with_a_sub_package/handlers.handle_send_message_event"
)


def quickstart() -> WebSocketApi:
    return WebSocketApi(
        "Api",
        routes={
            "$connect": "src/connect.main",
            "$default": "src/default.main",
            "$disconnect": "src/disconnect.main",
            "sendMessage": "src/sendMessage.main",
        },
    )


def chat() -> WebSocketApi:
    table = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})
    return (
        WebSocketApi("Chat")
        .defaults(environment={"TABLE_NAME": table.table_name}, permissions=[table])
        .route("$connect", "src/connect.main")
        .route("$disconnect", "src/disconnect.main")
        .route("sendMessage", "src/sendMessage.main")
        .route("$default", "src/default.main")
    )


def crowded() -> WebSocketApi:
    long_table = Table(
        "AVeryLongTableNameForTheConnectionsOfTheChatApplication",
        fields={"id": "string"},
        primary_index={"partition_key": "id"},
    )
    return (
        WebSocketApi("Crowded")
        .defaults(
            bind=[long_table],
            environment={"TABLE": long_table.table_name, "MODE": "production", "LEVEL": "debug"},
        )
        .route("$connect", "src/connect.main")
        .route(
            "sendMessageToEveryoneInTheRoom",
            LONG_HANDLER,
            return_response=True,
            runtime="python3.11",
            description="fans a message out to every connection",
        )
        .bind_to_route("$connect", [Bucket("Uploads")])
        .authorizer(LambdaAuthorizer("src/authorizer.main"))
        .custom_domain({"domain_name": "api.domain.com", "path": "v1"})
    )


def many() -> WebSocketApi:
    return WebSocketApi("Many").add_routes({f"action{i}": "src/h.main" for i in range(60)})


APIS = {"quickstart": quickstart, "chat": chat, "crowded": crowded, "many": many}


def table_heads(html: str) -> list[list[str]]:
    return [
        re.findall(r"<th>([^<]*)</th>", head.split("</thead>")[0])
        for head in html.split("<thead>")[1:]
    ]


@pytest.mark.parametrize("width", [80, 60, 40])
@pytest.mark.parametrize("make", APIS.values(), ids=APIS.keys())
def test_text_drawing_stays_within_its_width(make, width):
    text = to_text_diagram(make().spec, width)
    too_long = [line for line in text.splitlines() if len(line) > width]
    assert not too_long, text


def test_text_drawing_picks_the_first_layout_that_fits():
    # a small API keeps the SVG's columns (headings line) when they fit
    small = WebSocketApi("Api").route("$default", "src/default.main")
    assert to_text_diagram(small.spec).splitlines()[0].split() == [
        "client",
        "API",
        "/",
        "stage",
        "routes",
        "functions",
    ]
    # the chat app: the chain to the API on its own line, then one aligned line per route
    lines = to_text_diagram(chat().spec).splitlines()
    assert lines[0] == "client (wss) ──▶ Chat (stage)"
    assert lines[1].startswith(" ├─▶ $connect    ──▶ src/connect.main (10 s 1024 MB)")
    assert lines[1].endswith("──▶ Connections (Table)")
    assert lines[4].startswith(" └─▶ $default ")
    # labels too long for a line: one block per route, wrapped by design
    text = to_text_diagram(crowded().spec)
    assert " └─▶ sendMessageToEveryoneInTheRoom (↩ reply)\n       ──▶ src/a_rather_long" in text
    assert "…" in text  # the handler lost its middle: the tables show it whole
    assert "λ WebSocketAuthorizer ┄┄▶ authorizes $connect" in text


def test_text_table_stays_within_80_characters_and_keeps_every_value_whole():
    for make in APIS.values():
        text = text_table(make().spec, [])
        assert max(len(line) for line in text.splitlines()) <= 80, text
    text = text_table(crowded().spec, [])
    # a value too long for its column goes on over the next lines of the same column, whole
    # (compared without the spaces where a line broke)
    assert column(text, "handler", "sendMessageToEveryoneInTheRoom") == LONG_HANDLER
    assert squeezed(column(text, "other", "sendMessageToEveryoneInTheRoom")) == squeezed(
        "description=fans a message out to every connection"
    )
    assert squeezed(column(text, "bind", "$connect")) == squeezed(
        "Table AVeryLongTableNameForTheConnectionsOfTheChatApplication, Bucket Uploads+"
    )


def column(text: str, header: str, route: str) -> str:
    """The cell of ``route`` in the column ``header`` of a text table, its lines joined."""
    lines = text.splitlines()
    top = next(
        i for i, line in enumerate(lines) if re.search(rf"\s{re.escape(header)}(\s|$)", line)
    )
    x = lines[top].index(f" {header}") + 1
    row = next(i for i in range(top + 1, len(lines)) if lines[i].split()[0] == route)
    parts = [lines[row][x:].split("  ")[0]]
    for line in lines[row + 1 :]:
        if not line.strip() or line[:x].strip():  # a blank line, or the next route's row
            break
        parts.append(line[x:].split("  ")[0])
    return "".join(parts)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_html_table_moves_what_does_not_fit_to_a_narrower_table():
    html = chat().to_html()
    heads = table_heads(html)
    assert heads == [
        ["route", "handler", "timeout", "memory", "environment"],
        ["route", "permissions"],
    ]
    # the first table is the route table (its rows name the route); the others repeat it
    assert html.count('<tr data-route="') == 4 and html.count('<tr data-route-more="') == 4
    assert '<table class="wsnb-routes wsnb-routes-more">' in html
    assert heads == table_heads(chat().to_html())  # deterministic
    # a small API needs one table
    assert table_heads(quickstart().to_html()) == [["route", "handler", "timeout", "memory"]]


def test_long_cells_are_abbreviated_with_the_full_text_in_their_title():
    html = crowded().to_html()
    full = "TABLE=AVeryLongTableNameForTheConnectionsOfTheChatApplication.table_name"
    assert f'title="from defaults: {full}, MODE=production, LEVEL=debug"' in html
    assert ">TABLE=AVeryLongTableNameForTheConnectio…<sup" in html
    assert f'<td title="{LONG_HANDLER}"><code>src/a_rather_long…' in html
    assert "….handle_send_message_event</code>" in html
    assert f"<code>{LONG_HANDLER}</code>" not in html


def test_runtime_shows_only_where_it_differs_from_the_default():
    default = quickstart()
    assert "runtime" not in default.to_html().split("<svg", 1)[0]
    assert "runtime" not in repr(default) and "python3.12" not in to_text_diagram(default.spec)
    api = quickstart().route("typing", "src/sendMessage.main", runtime="python3.11")
    html = api.to_html()
    assert ["route", "handler", "runtime", "timeout", "memory"] in table_heads(html)
    typing = html.split('<tr data-route="typing">', 1)[1].split("</tr>", 1)[0]
    assert ">python3.11</td>" in typing  # set on the route: no mark
    connect = html.split('<tr data-route="$connect">', 1)[1].split("</tr>", 1)[0]
    assert 'python3.12<sup class="wsnb-mark">°</sup>' in connect  # the default, marked
    assert "python3.11 10 s 1024 MB" in api.to_svg()  # the function box's meta text
    assert "python3.11" not in api.to_svg().split('data-route="$connect"', 2)[2].split("</g>")[0]
    assert "──▶ src/sendMessage.main (python3.11 10 s 1024 MB)" in to_text_diagram(api.spec)
    text = repr(api)
    assert "runtime" in text and "python3.11" in text and "python3.12°" in text
    columns = [c["name"] for c in api.show().route_columns]
    assert columns[0] == "runtime"


def test_legend_says_in_words_what_each_mark_means():
    html = quickstart().to_html()
    assert "Cell colours" not in html
    assert '<p class="wsnb-legend">Values: <span class="wsnb-from-builtin"' in html
    assert "° wsnb's default</span></p>" in html
    assert "* from defaults" not in html  # only the marks that occur
    html = crowded().to_html()
    for words in ("unmarked: set on the route", "* from defaults", "+ route and defaults merged"):
        assert words in html
    assert "(* from defaults, + route and defaults merged, ° wsnb's default)" in repr(crowded())


def test_a_node_runtime_shows_in_every_view():
    api = (
        WebSocketApi("Node")
        .defaults(runtime="nodejs22.x")
        .route("$default", "src/default.main")
        .route("sendMessage", "src/sendMessage.main")
    )
    html = api.to_html()
    assert ["route", "handler", "runtime", "timeout", "memory"] in table_heads(html)
    assert 'nodejs22.x<sup class="wsnb-mark">*</sup>' in html  # from defaults
    assert api.to_svg().count("nodejs22.x 10 s 1024 MB") == 2
    assert "──▶ src/default.main (nodejs22.x 10 s 1024 MB)" in to_text_diagram(api.spec)
    assert "nodejs22.x*" in repr(api)
