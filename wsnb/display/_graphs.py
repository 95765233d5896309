"""Text diagrams: Mermaid and Graphviz DOT."""

from __future__ import annotations

import json

from ..model._spec import ApiSpec
from ._rows import route_rows


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;") + '"'


def to_mermaid(spec: ApiSpec) -> str:
    """A Mermaid ``flowchart LR`` of the API."""
    lines = ["flowchart LR", "  client([client])"]
    entry = "client"
    if spec.custom_domain:
        lines.append(f"  domain[{_mermaid_text(spec.custom_domain.url)}]")
        lines.append("  client --> domain")
        entry = "domain"
    lines.append(f"  api[{_mermaid_text('WebSocketApi ' + spec.construct_id)}]")
    lines.append(f"  {entry} --> api")
    if spec.authorizer != "none":
        label = "IAM" if spec.authorizer == "iam" else f"Lambda authorizer {spec.authorizer.name}"  # type: ignore[union-attr]
        lines.append(f"  auth{{{{{_mermaid_text(label)}}}}}")
    resources: list[str] = []
    for i, row in enumerate(route_rows(spec)):
        lines.append(f"  r{i}[{_mermaid_text(row['key'])}]")
        lines.append(f"  f{i}[{_mermaid_text(row['handler'])}]")
        lines.append(f"  api --> r{i} --> f{i}")
        if row["key"] == "$connect" and spec.authorizer != "none":
            lines.append(f"  auth -.-> r{i}")
        for res in row["resources"]:
            if res not in resources:
                resources.append(res)
                lines.append(f"  s{resources.index(res)}[({_mermaid_text(res)})]")
            lines.append(f"  f{i} --> s{resources.index(res)}")
    return "\n".join(lines) + "\n"


def _dot(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def to_dot(spec: ApiSpec) -> str:
    """A Graphviz ``digraph`` of the API."""
    lines = ["digraph wsnb {", "  rankdir=LR;", '  node [shape=box, style=rounded, fontname="sans-serif"];']
    lines.append('  client [label="client", shape=oval];')
    entry = "client"
    if spec.custom_domain:
        lines.append(f"  domain [label={_dot(spec.custom_domain.url)}];")
        lines.append("  client -> domain;")
        entry = "domain"
    lines.append(f"  api [label={_dot('WebSocketApi ' + spec.construct_id)}];")
    lines.append(f"  {entry} -> api;")
    if spec.authorizer != "none":
        label = "IAM" if spec.authorizer == "iam" else f"Lambda authorizer {spec.authorizer.name}"  # type: ignore[union-attr]
        lines.append(f"  auth [label={_dot(label)}, shape=diamond];")
    resources: list[str] = []
    for i, row in enumerate(route_rows(spec)):
        lines.append(f"  r{i} [label={_dot(row['key'])}];")
        lines.append(f"  f{i} [label={_dot(row['handler'])}];")
        lines.append(f"  api -> r{i} -> f{i};")
        if row["key"] == "$connect" and spec.authorizer != "none":
            lines.append(f"  auth -> r{i} [style=dashed];")
        for res in row["resources"]:
            if res not in resources:
                resources.append(res)
                lines.append(f"  s{resources.index(res)} [label={_dot(res)}, shape=cylinder];")
            lines.append(f"  f{i} -> s{resources.index(res)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
