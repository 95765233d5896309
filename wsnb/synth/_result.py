"""The result of ``api.synth()``: the template, counts, warnings and a rich display."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..model import Frozen, freeze

_CSS = (
    "font-family:var(--jp-ui-font-family, system-ui, sans-serif);"
    "color:var(--jp-ui-font-color1, #222);font-size:var(--jp-ui-font-size1, 13px)"
)
_CELL = "padding:2px 10px;border-bottom:1px solid var(--jp-border-color2, #ddd);text-align:left"
_PRE = (
    "max-height:420px;overflow:auto;padding:6px;"
    "background:var(--jp-layout-color2, #f5f5f5);color:var(--jp-content-font-color1, #222);"
    "font-family:var(--jp-code-font-family, monospace);font-size:var(--jp-code-font-size, 12px)"
)

_LEVEL_STYLE = {
    "warning": "color:var(--jp-warn-color0, #b35900)",
    "info": "color:var(--jp-ui-font-color1, #222)",
}


def _with_code(warning: Any) -> str:
    code = warning_code(warning)
    return f"[{code}] {warning}" if code else str(warning)


def warning_level(warning: Any) -> str:
    """``"info"`` for a :class:`SynthNote` note, otherwise ``"warning"``."""
    return getattr(warning, "level", "warning")


def warning_code(warning: Any) -> str | None:
    return getattr(warning, "code", None)


class SynthResult(Frozen):
    """A synthesized CloudFormation template for one API.

    ``template`` is the CloudFormation dict, ``resource_counts`` maps each resource type to
    its count, ``warnings`` lists what to know before deploying (plain strings; a note said at
    lint's "info" level is a :class:`SynthNote` with ``level == "info"``). ``to_json()`` is
    deterministic. The result is shared by every caller of a cached synth, so it is read-only
    throughout (``wsnb.model.thaw(result.template)`` gives an editable copy).
    """

    template: Mapping[str, Any]
    stack_name: str
    warnings: Sequence[str]
    resource_counts: Mapping[str, int]

    def __init__(
        self, template: Mapping[str, Any], *, stack_name: str, warnings: Sequence[str]
    ) -> None:
        counts: dict[str, int] = {}
        for res in template.get("Resources", {}).values():
            counts[res["Type"]] = counts.get(res["Type"], 0) + 1
        self._init_field("template", freeze(template))
        self._init_field("stack_name", stack_name)
        self._init_field("warnings", freeze(list(warnings)))
        self._init_field("resource_counts", freeze(dict(sorted(counts.items()))))

    def with_warnings(self, extra: list[str]) -> SynthResult:
        """A copy with ``extra`` warnings first (the cached result itself is never changed)."""
        if not extra:
            return self
        return SynthResult(
            self.template, stack_name=self.stack_name, warnings=[*extra, *self.warnings]
        )

    @property
    def resource_total(self) -> int:
        return sum(self.resource_counts.values())

    def to_json(self) -> str:
        """The template as deterministic JSON text (sorted keys, one-space indent)."""
        return json.dumps(self.template, indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    def to_yaml(self) -> str:
        """The template as deterministic YAML text (keys in template order)."""
        from ._yaml import to_yaml

        return to_yaml(self.template)

    def save(self, path: str | Path) -> Path:
        """Write the template JSON to ``path``; returns the path."""
        target = Path(path)
        target.write_text(self.to_json(), encoding="utf-8")
        return target

    def __repr__(self) -> str:
        return self._text()

    def _text(self) -> str:
        lines = [f"SynthResult: stack {self.stack_name!r}, {self.resource_total} resources"]
        width = max((len(t) for t in self.resource_counts), default=0)
        width = max(width, len("Total"))
        lines += [f"  {t:<{width}}  {n}" for t, n in self.resource_counts.items()]
        lines.append(f"  {'Total':<{width}}  {self.resource_total}")
        lines += [f"  {warning_level(w)}: {_with_code(w)}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": self._text(), "text/html": self._html()}

    def _html(self) -> str:
        rows = "".join(
            f'<tr><td style="{_CELL}"><code>{html.escape(t)}</code></td>'
            f'<td style="{_CELL};text-align:right">{n}</td></tr>'
            for t, n in self.resource_counts.items()
        )
        total = (
            f'<tr><td style="{_CELL};font-weight:600">Total</td>'
            f'<td style="{_CELL};text-align:right;font-weight:600">{self.resource_total}</td></tr>'
        )
        warnings = "".join(
            f'<li style="{_LEVEL_STYLE.get(warning_level(w), _LEVEL_STYLE["warning"])}"><strong>{warning_level(w)}</strong>: '
            f"{html.escape(_with_code(w))}</li>"
            for w in self.warnings
        )
        return (
            f'<div class="wsnb-synth" style="{_CSS}">'
            f"<div><strong>Stack {html.escape(self.stack_name)}</strong>: {self.resource_total} resources</div>"
            f'<table style="border-collapse:collapse;margin:4px 0">'
            f'<thead><tr><th style="{_CELL}">Resource type</th><th style="{_CELL}">Count</th></tr></thead>'
            f"<tbody>{rows}{total}</tbody></table>"
            + (f'<ul style="margin:4px 0">{warnings}</ul>' if warnings else "")
            + f"<details><summary>CloudFormation template (JSON)</summary>"
            f'<pre style="{_PRE}">{html.escape(self.to_json())}</pre></details>'
            f"<details><summary>CloudFormation template (YAML)</summary>"
            f'<pre style="{_PRE}">{html.escape(self.to_yaml())}</pre></details></div>'
        )
