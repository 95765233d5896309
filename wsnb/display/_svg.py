"""The architecture diagram as inline SVG, drawn in pure Python.

client → domain → API/stage → (authorizer on $connect) → routes → functions → bound resources.
Colours are JupyterLab CSS variables with fallbacks, so light, dark and static renderers work.
"""

from __future__ import annotations

from html import escape

from ..model._options import LambdaAuthorizer
from ..model._spec import ApiSpec
from ._rows import route_rows

ROW = 34
BOX_H = 24
PAD = 14
CHAR_W = 6.6

_TEXT = "fill:var(--jp-ui-font-color1,#222);font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:12px"
_SUB = "fill:var(--jp-ui-font-color2,#666);font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:10px"
_BOX = "fill:var(--jp-layout-color1,#fff);stroke:var(--jp-border-color1,#9e9e9e);stroke-width:1"
_ACCENT = (
    "fill:var(--jp-layout-color2,#eef3fb);stroke:var(--jp-brand-color1,#1976d2);stroke-width:1.2"
)
_WARN = "fill:var(--jp-layout-color2,#fff7e6);stroke:var(--jp-warn-color0,#e65100);stroke-width:1.2"
_EDGE = "fill:none;stroke:var(--jp-ui-font-color3,#9e9e9e);stroke-width:1"
_AUTH_EDGE = "fill:none;stroke:var(--jp-warn-color0,#e65100);stroke-width:1.2;stroke-dasharray:4 3"


def _fit(text: str, width: float) -> str:
    limit = max(4, int((width - 12) / CHAR_W))
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Canvas:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def box(
        self,
        x: float,
        y: float,
        w: float,
        label: str,
        *,
        style: str = _BOX,
        sub: str = "",
        title: str = "",
        cls: str = "wsnb-node",
        data: str = "",
    ) -> None:
        attrs = f' class="{cls}"' + (f' data-route="{escape(data)}"' if data else "")
        self.parts.append(f"<g{attrs}>")
        if title:
            self.parts.append(f"<title>{escape(title)}</title>")
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y - BOX_H / 2:.1f}" width="{w:.1f}" height="{BOX_H}" rx="5" style="{style}"/>'
        )
        self.parts.append(
            f'<text x="{x + 7:.1f}" y="{y + 4:.1f}" style="{_TEXT}">{escape(_fit(label, w))}</text>'
        )
        if sub:
            self.parts.append(
                f'<text x="{x + w - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" style="{_SUB}">{escape(sub)}</text>'
            )
        self.parts.append("</g>")

    def edge(self, x1: float, y1: float, x2: float, y2: float, style: str = _EDGE) -> None:
        mid = (x1 + x2) / 2
        self.parts.append(
            f'<path d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" style="{style}"/>'
        )

    def label(self, x: float, y: float, text: str) -> None:
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" style="{_SUB}">{escape(text)}</text>')


def to_svg(spec: ApiSpec) -> str:
    """The diagram as one ``<svg>`` element (deterministic bytes for the same model)."""
    rows = route_rows(spec)
    functions_used: list[str] = []
    for row in rows:
        for res in row["resources"]:
            if res not in functions_used:
                functions_used.append(res)
    n = max(1, len(rows))
    has_auth = spec.authorizer != "none"
    height = PAD * 2 + 18 + n * ROW + (ROW if has_auth and len(rows) < 3 else 0)
    top = PAD + 18 + ROW / 2
    mid = top + (n - 1) * ROW / 2

    col_w = {"client": 84, "domain": 190, "api": 170, "route": 150, "fn": 210, "res": 170}
    cols = ["client"] + (["domain"] if spec.custom_domain else []) + ["api", "route", "fn"]
    if functions_used:
        cols.append("res")
    gap = 46
    xs: dict[str, float] = {}
    x = PAD
    for col in cols:
        xs[col] = x
        x += col_w[col] + gap
    width = x - gap + PAD

    c = _Canvas()
    headings = {
        "client": "client",
        "domain": "custom domain",
        "api": "API / stage",
        "route": "routes",
        "fn": "functions",
        "res": "resources",
    }
    for col in cols:
        c.label(xs[col], PAD + 6, headings[col])

    c.box(xs["client"], mid, col_w["client"], "client", sub="wss")
    prev_col = "client"
    if spec.custom_domain:
        d = spec.custom_domain
        c.box(
            xs["domain"],
            mid,
            col_w["domain"],
            d.url.removeprefix("wss://"),
            style=_ACCENT,
            title=d.url,
        )
        c.edge(xs["client"] + col_w["client"], mid, xs["domain"], mid)
        prev_col = "domain"
    api_label = spec.cdk.web_socket_api if spec.cdk.imports_api else spec.construct_id
    c.box(
        xs["api"],
        mid,
        col_w["api"],
        f"{api_label}",
        sub="stage",
        style=_ACCENT,
        title=f"WebSocketApi {spec.id}",
    )
    c.edge(xs[prev_col] + col_w[prev_col], mid, xs["api"], mid)

    auth_y = None
    if has_auth:
        auth_y = mid + ROW if len(rows) < 3 else top + (n - 1) * ROW
        label = "IAM auth" if spec.authorizer == "iam" else f"λ {spec.authorizer.name}"  # type: ignore[union-attr]
        title = (
            f"Lambda authorizer {spec.authorizer.function.handler}"
            if isinstance(spec.authorizer, LambdaAuthorizer)
            else "IAM authorization on $connect"
        )
        c.box(
            xs["api"] + 12,
            auth_y,
            col_w["api"] - 12,
            label,
            style=_WARN,
            title=title,
            cls="wsnb-node wsnb-auth",
        )

    res_y = {}
    if functions_used:
        rtop = mid - (len(functions_used) - 1) * ROW / 2
        for i, res in enumerate(functions_used):
            res_y[res] = max(top, rtop) + i * ROW

    for i, row in enumerate(rows):
        y = top + i * ROW
        key = row["key"]
        reserved = key.startswith("$")
        sub = "↩ reply" if row["return_response"] else ""
        c.edge(xs["api"] + col_w["api"], mid, xs["route"], y)
        c.box(
            xs["route"],
            y,
            col_w["route"],
            key,
            style=_ACCENT if reserved else _BOX,
            sub=sub,
            title=f"route {key}",
            cls="wsnb-node wsnb-route",
            data=key,
        )
        if auth_y is not None and key == "$connect":
            c.edge(xs["api"] + col_w["api"], auth_y, xs["route"], y, _AUTH_EDGE)
        props = row["props"]
        fsub = " ".join(v for v in (props.get("timeout", ""), props.get("memory_size", "")) if v)
        c.edge(xs["route"] + col_w["route"], y, xs["fn"], y)
        c.box(
            xs["fn"],
            y,
            col_w["fn"],
            row["handler"],
            sub=fsub,
            title=f"{row['handler']} ({props.get('runtime', '')})",
            cls="wsnb-node wsnb-function",
            data=key,
        )
        for res in row["resources"]:
            c.edge(xs["fn"] + col_w["fn"], y, xs["res"], res_y[res])
    for res, y in res_y.items():
        kind, _, rid = res.partition(" ")
        c.box(xs["res"], y, col_w["res"], rid, sub=kind, cls="wsnb-node wsnb-resource")
    if not rows:
        c.label(xs["route"], mid + 4, "(no routes yet)")

    body = "".join(c.parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wsnb-diagram" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="Diagram of WebSocketApi {escape(spec.id)}">{body}</svg>'
    )
