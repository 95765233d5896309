"""The architecture diagram as inline SVG, drawn in pure Python.

client → domain → API/stage → (authorizer on $connect) → routes → targets → bound resources.
A route's target is its function, or what a route without one goes to (a URL, an AWS service,
API Gateway itself for a mock); the arrow to it carries the integration type unless it is a
Lambda proxy, and a target ``api.serve()`` cannot run is drawn dashed with the reason.
Colours are JupyterLab CSS variables with fallbacks, so light, dark and static renderers work.

Layout: every box is as wide as its measured text (label, a gap, then its grey meta text), so
nothing overlaps or is cut for any label length; the ``<svg>`` keeps its natural size as
``width``/``height`` and scales down to the space it gets (``max-width:100%``).

Degrading: :func:`diagram` also returns the same graph as a plain-text drawing (``──▶``
connectors, monospace, within 80 characters a line: :mod:`wsnb.display._drawing`), which
:func:`~wsnb.display._html.to_html` shows where the SVG was removed (untrusted JupyterLab,
GitHub-style sanitizers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from html import escape as _escape

from ..model import ApiSpec, LambdaAuthorizer
from ._drawing import Drawing, Route, text_drawing
from ._fit import TEXT_WIDTH
from ._measure import text_width
from ._rows import differs_from_default, rows_of
from ._targets import NOT_LOCAL, PROXY, short_reason

ROW = 34
BOX_H = 24
PAD = 14
GAP = 46
LABEL_SIZE = 12
SUB_SIZE = 10
INSET = 7  # text inset from the box's left and right edges
SUB_GAP = 10  # space between a label and its meta text
LEGEND_ROW = 16
LABEL_PAD = 12  # space on each side of an arrow's label

_FONT = "font-family:var(--jp-ui-font-family,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif)"
_TEXT = f"fill:var(--jp-ui-font-color1,#222);{_FONT};font-size:{LABEL_SIZE}px"
_SUB = f"fill:var(--jp-ui-font-color2,#666);{_FONT};font-size:{SUB_SIZE}px"
_BOX = "fill:var(--jp-layout-color1,#fff);stroke:var(--jp-border-color1,#9e9e9e);stroke-width:1"
_ACCENT = (
    "fill:var(--jp-layout-color2,#eef3fb);stroke:var(--jp-brand-color1,#1976d2);stroke-width:1.2"
)
_WARN = "fill:var(--jp-layout-color2,#fff7e6);stroke:var(--jp-warn-color0,#e65100);stroke-width:1.2"
_NOT_LOCAL = (
    "fill:var(--jp-layout-color1,#fff);stroke:var(--jp-warn-color0,#e65100);stroke-width:1.2;"
    "stroke-dasharray:5 3"
)
_EDGE = "fill:none;stroke:var(--jp-ui-font-color3,#9e9e9e);stroke-width:1"
_EDGE_LABEL = f"fill:var(--jp-ui-font-color2,#555);{_FONT};font-size:{SUB_SIZE}px"
_AUTH_EDGE = "fill:none;stroke:var(--jp-warn-color0,#e65100);stroke-width:1.2;stroke-dasharray:4 3"

HEADINGS = {
    "client": "client",
    "domain": "custom domain",
    "api": "API / stage",
    "route": "routes",
    "fn": "functions",
    "res": "resources",
}
MIN_WIDTH = {"client": 70, "domain": 120, "api": 110, "route": 100, "fn": 140, "res": 110}
LEGEND = (
    (
        _ACCENT,
        "reserved route ($connect, $disconnect, $default): API Gateway calls it itself, on "
        "connect, on disconnect, or when no other route matches",
    ),
    (_BOX, "custom route: chosen by the message's route selection value"),
)
#: the legend of labelled arrows and of targets api.serve() cannot run (when there are some)
ARROW_LEGEND = "arrow label: the integration type of the route (no label: a Lambda proxy)"
NOT_LOCAL_LEGEND = f"dashed box, {NOT_LOCAL}: api.serve() cannot run that target (the box says why)"
# the same, for the text drawing (which has no colours); wrapped to the drawing's width
TEXT_LEGEND = (
    "$connect, $disconnect and $default are reserved routes: API Gateway calls them itself,",
    "on connect, on disconnect, or when no other route matches; the others are chosen by the",
    "message's route selection value.",
)
TEXT_ARROW_LEGEND = "An arrow's label is the route's integration type; no label: a Lambda proxy."
TEXT_NOT_LOCAL_LEGEND = f"'{NOT_LOCAL}': api.serve() cannot run that target, for the reason given."


escape = lru_cache(maxsize=4096)(_escape)  # labels repeat (handlers, resources)


@dataclass
class Node:
    """One box: its column, text, style and (after layout) its geometry."""

    col: str
    label: str
    sub: str = ""
    style: str = _BOX
    cls: str = "wsnb-node"
    data: str = ""
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0

    def text_w(self) -> float:
        width = text_width(self.label, LABEL_SIZE)
        if self.sub:
            width += SUB_GAP + text_width(self.sub, SUB_SIZE)
        return width + 2 * INSET

    def leaked(self) -> str:
        """What a sanitizer that drops the SVG tags leaves of this box."""
        return f"{self.label} ({self.sub})" if self.sub else self.label


@dataclass
class _Graph:
    cols: list[str]
    client: Node
    domain: Node | None
    api: Node
    auth: Node | None
    routes: list[Node]
    targets: list[Node]  # a route's function, or what else it goes to (URL, service, mock)
    labels: list[str]  # the integration type on each route's edge ("" for a Lambda proxy)
    resources: dict[str, Node]
    row_resources: list[list[str]]
    extra: list[str] = field(default_factory=list)
    target_heading: str = field(init=False)
    legend: tuple[tuple[str, str, str], ...] = field(init=False)  # (kind, style, text)
    text_legend: str = field(init=False)

    def __post_init__(self) -> None:
        # what several passes of the layout ask: decided once per graph
        some_not_local = any("wsnb-not-local" in t.cls for t in self.targets)
        every_function = all("wsnb-function" in t.cls for t in self.targets)
        self.target_heading = "functions" if every_function else "targets"
        legend = [("box", style, text) for style, text in LEGEND]
        if any(self.labels):
            legend.append(("line", _EDGE, ARROW_LEGEND))
        if some_not_local:
            legend.append(("box", _NOT_LOCAL, NOT_LOCAL_LEGEND))
        self.legend = tuple(legend)
        self.text_legend = " ".join(
            [
                *TEXT_LEGEND,
                *([TEXT_ARROW_LEGEND] if any(self.labels) else []),
                *([TEXT_NOT_LOCAL_LEGEND] if some_not_local else []),
            ]
        )

    def heading(self, col: str) -> str:
        """A column's heading: the targets' is ``functions`` while every route has one."""
        return self.target_heading if col == "fn" else HEADINGS[col]


def _graph(spec: ApiSpec) -> _Graph:
    rows = rows_of(spec)
    client = Node("client", "client", sub="wss")
    domain = None
    if spec.custom_domain:
        domain = Node("domain", spec.custom_domain.url.removeprefix("wss://"), style=_ACCENT)
    api_label = spec.cdk.web_socket_api if spec.cdk.imports_api else spec.construct_id
    api = Node("api", str(api_label), sub="stage", style=_ACCENT)
    auth = None
    if spec.authorizer != "none":
        authorizer = spec.authorizer  # "iam" or a LambdaAuthorizer here
        label = f"λ {authorizer.name}" if isinstance(authorizer, LambdaAuthorizer) else "IAM auth"
        auth = Node("api", label, style=_WARN, cls="wsnb-node wsnb-auth")
    routes, targets, labels, resources, row_resources = [], [], [], {}, []
    for row in rows:
        key = row["key"]
        routes.append(
            Node(
                "route",
                key,
                sub="↩ reply" if row["return_response"] else "",
                style=_ACCENT if key.startswith("$") else _BOX,
                cls="wsnb-node wsnb-route",
                data=key,
            )
        )
        targets.append(_target(row))
        labels.append("" if row["integration"] == PROXY else row["integration"])
        for res in row["resources"]:
            if res not in resources:
                kind, _, rid = res.partition(" ")
                resources[res] = Node("res", rid, sub=kind, cls="wsnb-node wsnb-resource")
        row_resources.append(list(row["resources"]))
    cols = ["client"] + (["domain"] if domain else []) + ["api", "route", "fn"]
    if resources:
        cols.append("res")
    return _Graph(
        cols, client, domain, api, auth, routes, targets, labels, resources, row_resources
    )


def _target(row: dict) -> Node:
    """A route's function box (its handler; runtime, timeout and memory as meta text), or the
    box of what else it goes to; dashed, with why, when ``api.serve()`` cannot run it."""
    key = row["key"]
    if row["handler"]:
        props = row["props"]
        runtime = props.get("runtime", "")
        meta = " ".join(
            v
            for v in (
                runtime if differs_from_default("runtime", runtime) else "",
                props.get("timeout", ""),
                props.get("memory_size", ""),
            )
            if v
        )
        node = Node("fn", row["handler"], sub=meta, cls="wsnb-node wsnb-function", data=key)
    else:
        node = Node("fn", row["target_label"], sub=row["target_meta"], cls="wsnb-node wsnb-target")
        node.data = key
    if row["local"]:
        node.sub = f"{NOT_LOCAL}: {short_reason(row['local'])}"
        node.style = _NOT_LOCAL
        node.cls += " wsnb-not-local"
    return node


def _layout(g: _Graph) -> tuple[float, float, dict[str, float]]:
    """Place every node; returns (width, height, column x)."""
    nodes_by_col: dict[str, list[Node]] = {c: [] for c in g.cols}
    for node in [g.client, g.domain, g.api, *g.routes, *g.targets, *g.resources.values()]:
        if node is not None:
            nodes_by_col[node.col].append(node)
    col_w: dict[str, float] = {}
    for col in g.cols:
        widths = [n.text_w() for n in nodes_by_col[col]]
        widths.append(text_width(g.heading(col), SUB_SIZE) + 2)
        if col == "api" and g.auth is not None:
            widths.append(g.auth.text_w() + 12)
        if col == "route" and not g.routes:
            widths.append(text_width("(no routes yet)", SUB_SIZE))
        col_w[col] = float(max(MIN_WIDTH[col], *widths))
    xs: dict[str, float] = {}
    x = float(PAD)
    # the arrows from routes to their targets are as long as their longest label needs
    label_w = max((text_width(label, SUB_SIZE) for label in g.labels if label), default=0.0)
    for col in g.cols:
        xs[col] = x
        x += col_w[col] + (max(GAP, label_w + 2 * LABEL_PAD) if col == "route" else GAP)
    width = x - GAP + PAD

    n = max(1, len(g.routes))
    top = PAD + 18 + ROW / 2
    mid = top + (n - 1) * ROW / 2
    for node in (g.client, g.domain, g.api):
        if node is not None:
            node.x, node.y, node.w = xs[node.col], mid, col_w[node.col]
    for i, (route, fn) in enumerate(zip(g.routes, g.targets, strict=True)):
        route.x, route.y, route.w = xs["route"], top + i * ROW, col_w["route"]
        fn.x, fn.y, fn.w = xs["fn"], top + i * ROW, col_w["fn"]
    below = top + (n - 1) * ROW + ROW / 2  # the bottom of the last route row
    if g.auth is not None:
        if len(g.routes) < 3:
            g.auth.y = mid + ROW
            below = max(below, g.auth.y + ROW / 2)
        else:
            g.auth.y = top + (n - 1) * ROW
        g.auth.x, g.auth.w = xs["api"] + 12, col_w["api"] - 12
    if g.resources:
        rtop = max(top, mid - (len(g.resources) - 1) * ROW / 2)
        for i, node in enumerate(g.resources.values()):
            node.x, node.y, node.w = xs["res"], rtop + i * ROW, col_w["res"]
            below = max(below, node.y + ROW / 2)
    legend = g.legend
    legend_w = max(18 + text_width(text, SUB_SIZE) for _, _, text in legend)
    width = max(width, PAD * 2 + legend_w)
    height = below + 6 + len(legend) * LEGEND_ROW + PAD
    return width, height, xs


def _box(node: Node) -> str:
    attrs = f' class="{node.cls}"' + (f' data-route="{escape(node.data)}"' if node.data else "")
    parts = [
        f"<g{attrs}>",
        f'<rect x="{node.x:.1f}" y="{node.y - BOX_H / 2:.1f}" width="{node.w:.1f}" '
        f'height="{BOX_H}" rx="5" style="{node.style}"/>',
        f'<text x="{node.x + INSET:.1f}" y="{node.y + 4:.1f}" style="{_TEXT}">'
        f"{escape(node.label)}</text>",
    ]
    if node.sub:
        parts.append(
            f'<text x="{node.x + node.w - INSET:.1f}" y="{node.y + 4:.1f}" '
            f'text-anchor="end" style="{_SUB}">{escape(node.sub)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _edge(x1: float, y1: float, x2: float, y2: float, style: str = _EDGE) -> str:
    mid = (x1 + x2) / 2
    return (
        f'<path d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} '
        f'{x2:.1f},{y2:.1f}" style="{style}"/>'
    )


def to_svg(spec: ApiSpec) -> str:
    """The diagram as one ``<svg>`` element (deterministic bytes for the same model)."""
    return diagram(spec)[0]


def to_text_diagram(spec: ApiSpec, width: int = TEXT_WIDTH) -> str:
    """The same diagram as a plain-text drawing (monospace) within ``width`` characters a
    line, for renderers without SVG."""
    return diagram(spec, width)[1]


def diagram(spec: ApiSpec, width: int = TEXT_WIDTH) -> tuple[str, str]:
    """``(svg, text drawing)`` of the API, from one graph."""
    g = _graph(spec)
    return _svg(spec, g), text_drawing(_drawing(g), width)


def _drawing(g: _Graph) -> Drawing:
    lead = [g.client] + ([g.domain] if g.domain is not None else []) + [g.api]
    routes = tuple(
        Route(
            route.leaked(),
            fn.label,
            fn.sub,
            tuple(g.resources[res].leaked() for res in resources),
            label,
        )
        for route, fn, resources, label in zip(
            g.routes, g.targets, g.row_resources, g.labels, strict=True
        )
    )
    return Drawing(
        headings=tuple((col, g.heading(col)) for col in g.cols),
        lead=tuple((node.col, node.leaked()) for node in lead),
        routes=routes,
        auth=g.auth.leaked() if g.auth is not None else None,
        legend=g.text_legend,
    )


def _svg(spec: ApiSpec, g: _Graph) -> str:
    """The drawn diagram. Its elements follow the reading order (headings, the chain to the
    API, then route, function and new resources row by row) with no character data between
    them: a sanitizer that keeps the text of removed tags then leaves the labels in order."""
    width, height, xs = _layout(g)
    parts = [
        f'<text x="{xs[col]:.1f}" y="{PAD + 6:.1f}" class="wsnb-heading" '
        f'style="{_SUB}">{escape(g.heading(col))}</text>'
        for col in g.cols
    ]
    edges: list[str] = []
    entry = g.client
    if g.domain is not None:
        edges.append(_edge(g.client.x + g.client.w, g.client.y, g.domain.x, g.domain.y))
        entry = g.domain
    edges.append(_edge(entry.x + entry.w, entry.y, g.api.x, g.api.y))
    parts += [_box(node) for node in (g.client, g.domain, g.api) if node is not None]
    drawn: set[str] = set()
    for route, fn, resources, label in zip(
        g.routes, g.targets, g.row_resources, g.labels, strict=True
    ):
        parts.append(_box(route))
        if label:  # the integration type, above the arrow, read between the route and target
            middle = (route.x + route.w + fn.x) / 2
            parts.append(
                f'<text x="{middle:.1f}" y="{route.y - 4:.1f}" text-anchor="middle" '
                f'class="wsnb-edge-label" style="{_EDGE_LABEL}">{escape(label)}</text>'
            )
        parts.append(_box(fn))
        edges.append(_edge(g.api.x + g.api.w, g.api.y, route.x, route.y))
        edges.append(_edge(route.x + route.w, route.y, fn.x, fn.y))
        if g.auth is not None and route.label == "$connect":
            edges.append(_edge(g.api.x + g.api.w, g.auth.y, route.x, route.y, _AUTH_EDGE))
        for res in resources:
            node = g.resources[res]
            edges.append(_edge(fn.x + fn.w, fn.y, node.x, node.y))
            if res not in drawn:  # each resource is drawn once, where it is first used
                drawn.add(res)
                parts.append(_box(node))
    if not g.routes:
        parts.append(
            f'<text x="{xs["route"]:.1f}" y="{g.api.y + 4:.1f}" style="{_SUB}">'
            "(no routes yet)</text>"
        )
    if g.auth is not None:
        parts.append(_box(g.auth))
    legend = g.legend
    legend_top = height - PAD - len(legend) * LEGEND_ROW + LEGEND_ROW / 2
    for i, (kind, style, text) in enumerate(legend):
        y = legend_top + i * LEGEND_ROW
        sample = (
            f'<rect x="{PAD}" y="{y - 5:.1f}" width="12" height="10" rx="2" style="{style}"/>'
            if kind == "box"
            else f'<path d="M{PAD},{y:.1f} h12" style="{style}"/>'
        )
        parts.append(
            f'<g class="wsnb-legend-item">{sample}<text x="{PAD + 18}" y="{y + 3.5:.1f}" '
            f'style="{_SUB}">{escape(text)}</text></g>'
        )
    body = "".join(edges) + "".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wsnb-diagram" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'style="max-width:100%;height:auto" role="img" '
        f'aria-label="Diagram of WebSocketApi {escape(spec.id)}">{body}</svg>'
    )
