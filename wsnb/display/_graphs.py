"""Text diagrams: Mermaid and Graphviz DOT, both rendered from one small graph."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..model import ApiSpec, LambdaAuthorizer
from ._rows import rows_of
from ._targets import NOT_LOCAL, PROXY, short_reason


@dataclass(frozen=True)
class _Node:
    id: str
    label: str
    shape: str  # "box", "oval", "diamond", "cylinder"


@dataclass(frozen=True)
class _Edge:
    source: str
    target: str
    dashed: bool = False
    label: str = ""  # the integration type on a route's edge ("" for a Lambda proxy)


def _graph(spec: ApiSpec) -> tuple[list[_Node], list[_Edge]]:
    nodes = [_Node("client", "client", "oval")]
    edges: list[_Edge] = []
    entry = "client"
    if spec.custom_domain:
        nodes.append(_Node("domain", spec.custom_domain.url, "box"))
        edges.append(_Edge("client", "domain"))
        entry = "domain"
    nodes.append(_Node("api", "WebSocketApi " + spec.construct_id, "box"))
    edges.append(_Edge(entry, "api"))
    if spec.authorizer != "none":
        authorizer = spec.authorizer  # "iam" or a LambdaAuthorizer here
        label = (
            f"Lambda authorizer {authorizer.name}"
            if isinstance(authorizer, LambdaAuthorizer)
            else "IAM"
        )
        nodes.append(_Node("auth", label, "diamond"))
    resources: list[str] = []
    for i, row in enumerate(rows_of(spec)):
        label = "" if row["integration"] == PROXY else row["integration"]
        target = row["target"]
        if row["local"]:
            target += f" ({NOT_LOCAL}: {short_reason(row['local'])})"
        nodes += [_Node(f"r{i}", row["key"], "box"), _Node(f"f{i}", target, "box")]
        edges += [_Edge("api", f"r{i}"), _Edge(f"r{i}", f"f{i}", label=label)]
        if row["key"] == "$connect" and spec.authorizer != "none":
            edges.append(_Edge("auth", f"r{i}", dashed=True))
        for res in row["resources"]:
            if res not in resources:
                resources.append(res)
                nodes.append(_Node(f"s{resources.index(res)}", res, "cylinder"))
            edges.append(_Edge(f"f{i}", f"s{resources.index(res)}"))
    return nodes, edges


_MERMAID_SHAPES = {"box": "[{}]", "oval": "([{}])", "diamond": "{{{{{}}}}}", "cylinder": "[({})]"}


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;") + '"'


def to_mermaid(spec: ApiSpec) -> str:
    """A Mermaid ``flowchart LR`` of the API."""
    nodes, edges = _graph(spec)
    lines = ["flowchart LR"]
    lines += [f"  {n.id}{_MERMAID_SHAPES[n.shape].format(_mermaid_text(n.label))}" for n in nodes]
    lines += [
        f"  {e.source} {'-.->' if e.dashed else '-->'}"
        + (f"|{_mermaid_text(e.label)}|" if e.label else "")
        + f" {e.target}"
        for e in edges
    ]
    return "\n".join(lines) + "\n"


def to_dot(spec: ApiSpec) -> str:
    """A Graphviz ``digraph`` of the API."""
    nodes, edges = _graph(spec)
    lines = [
        "digraph wsnb {",
        "  rankdir=LR;",
        '  node [shape=box, style=rounded, fontname="sans-serif"];',
    ]
    for n in nodes:
        shape = "" if n.shape == "box" else f", shape={n.shape}"
        lines.append(f"  {n.id} [label={json.dumps(n.label, ensure_ascii=False)}{shape}];")
    for e in edges:
        attrs = (["style=dashed"] if e.dashed else []) + (
            [f"label={json.dumps(e.label, ensure_ascii=False)}"] if e.label else []
        )
        lines.append(f"  {e.source} -> {e.target}{f' [{chr(44).join(attrs)}]' if attrs else ''};")
    lines.append("}")
    return "\n".join(lines) + "\n"
