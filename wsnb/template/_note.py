"""The note an API read from a template shows under (text) or above (HTML) its table: where it
came from, how much was read, and every route: its function and runtime, or its integration
(``MOCK``, ``HTTP``, ``AWS (sqs path)``…) and, when ``serve()`` cannot run it, why."""

from __future__ import annotations

import html
import textwrap

from .. import _facts
from ..model import RouteSpec
from ._origin import TemplateOrigin

#: the text table's width (``wsnb.display``'s ``TEXT_WIDTH``): the note's lines keep to it
TEXT_WIDTH = 80


def local_problem(origin: TemplateOrigin, route: RouteSpec) -> str | None:
    """Why ``serve()`` cannot run the route, in one short phrase (None: it can): its
    function's runtime (the emulator runs Python and Node.js), or its integration's
    (:attr:`RouteSpec.local_problem`: an AWS service wsnb does not emulate)."""
    lid = origin.route_functions.get(route.key)
    runtime = origin.runtimes.get(lid, "") if lid else ""
    if runtime and _facts.runtime_family(runtime) == "other":
        return f"{runtime} runtime (wsnb runs Python and Node.js)"
    return route.local_problem


def route_line(origin: TemplateOrigin, route: RouteSpec, *, label: bool = False) -> str:
    """``<key>: <function> (<runtime>)`` for a Lambda proxy (``label``: ``<key>: Lambda proxy
    → ...``, when other routes of the API have other integrations); for another integration
    ``<key>: <label>[ → <function> (<runtime>)]``; then `` — not run locally: <why>`` when
    ``serve()`` cannot run it."""
    lid = origin.route_functions.get(route.key)
    function = f"{lid} ({origin.runtimes.get(lid, '?')})" if lid else ""
    if route.integration is None and not label:
        text = f"{route.key}: {function}"
    else:
        text = f"{route.key}: {route.integration_label}" + (f" → {function}" if function else "")
    problem = local_problem(origin, route)
    return text + (f" — not run locally: {problem}" if problem else "")


def note_text(origin: TemplateOrigin, *, report_hint: str = "api.template_report") -> str:
    """``From template <source> (API <id>): n read, n approximated, n ignored — see
    <report_hint>`` and one line per route (:func:`route_line`), each wrapped within the text
    table's width (continued four spaces in), so no viewer has to wrap it."""
    r = origin.report
    head = (
        f"From template {origin.source} (API {r.api_id}): "
        f"{len(r.read)} read, {len(r.approximated)} approximated, {len(r.ignored)} ignored "
        f"— see {report_hint}"
    )
    routes = origin.loaded_spec.routes
    label = any(route.integration is not None for route in routes)
    lines = _wrapped(head, "")
    for route in routes:
        lines += _wrapped(route_line(origin, route, label=label), "  ")
    return "\n".join(lines)


def _wrapped(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text,
        TEXT_WIDTH,
        initial_indent=indent,
        subsequent_indent="    ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _runs_locally(origin: TemplateOrigin, route: RouteSpec) -> str:
    problem = local_problem(origin, route)
    return f"no: {problem}" if problem else "yes"


def note_html(origin: TemplateOrigin) -> str:
    """The same as an HTML block with a table: route, (integration,) function, runtime, runs
    locally. The integration column is there when a route is not a Lambda proxy."""
    r = origin.report
    routes = origin.loaded_spec.routes
    integrations = any(route.integration is not None for route in routes)
    rows = []
    for route in routes:
        lid = origin.route_functions.get(route.key, "")
        cells = [f"<code>{html.escape(route.key)}</code>"]
        if integrations:
            cells.append(html.escape(route.integration_label))
        cells += [
            f"<code>{html.escape(lid)}</code>" if lid else "",
            html.escape(origin.runtimes.get(lid, "?")) if lid else "",
            html.escape(_runs_locally(origin, route)),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = ["route", *(["integration"] if integrations else []), "function", "runtime"]
    head.append("runs locally")
    return (
        "<div class='wsnb-template-note' style='font-size:0.9em;margin:0.3em 0;"
        "color:var(--jp-ui-font-color1,#333)'>"
        f"From template <code>{html.escape(origin.source)}</code> "
        f"(API <code>{html.escape(r.api_id)}</code>): {len(r.read)} read, "
        f"{len(r.approximated)} approximated, {len(r.ignored)} ignored — see "
        "<code>api.template_report</code>."
        "<table><thead><tr>"
        + "".join(f"<th>{h}</th>" for h in head)
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
