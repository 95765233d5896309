"""The note an API read from a template shows under (text) or above (HTML) its table: where it
came from, how much was read, and each route's function and runtime."""

from __future__ import annotations

import html

from ._origin import TemplateOrigin


def note_text(origin: TemplateOrigin) -> str:
    """``From template <source> (API <id>): n read, n approximated, n ignored ...`` and one
    line per route: ``  <key>: <function> (<runtime>)``."""
    r = origin.report
    lines = [
        f"From template {origin.source} (API {r.api_id}): "
        f"{len(r.read)} read, {len(r.approximated)} approximated, {len(r.ignored)} ignored "
        "— see api.template_report"
    ]
    for key, lid in origin.route_functions.items():
        lines.append(f"  {key}: {lid} ({origin.runtimes.get(lid, '?')})")
    return "\n".join(lines)


def note_html(origin: TemplateOrigin) -> str:
    """The same as an HTML block with a table: route, function, runtime, runs locally."""
    r = origin.report
    rows = "".join(
        f"<tr><td><code>{html.escape(key)}</code></td><td><code>{html.escape(lid)}</code></td>"
        f"<td>{html.escape(origin.runtimes.get(lid, '?'))}</td>"
        f"<td>{'yes' if origin.runtimes.get(lid, '').startswith('python') else 'no (not Python)'}</td></tr>"
        for key, lid in origin.route_functions.items()
    )
    return (
        "<div class='wsnb-template-note' style='font-size:0.9em;margin:0.3em 0;"
        "color:var(--jp-ui-font-color1,#333)'>"
        f"From template <code>{html.escape(origin.source)}</code> "
        f"(API <code>{html.escape(r.api_id)}</code>): {len(r.read)} read, "
        f"{len(r.approximated)} approximated, {len(r.ignored)} ignored — see "
        "<code>api.template_report</code>."
        "<table><thead><tr><th>route</th><th>function</th><th>runtime</th>"
        f"<th>runs locally</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )
