"""What ``from_template`` did with each resource: read, approximated, ignored."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("read", "approximated", "ignored")


@dataclass(frozen=True)
class Entry:
    logical_id: str
    type: str
    status: str  # read | approximated | ignored
    note: str


@dataclass
class TemplateReport:
    """Resource by resource: what was read into the model, approximated, or ignored (and why).

    ``report.entries`` is the full list; ``report.read``/``approximated``/``ignored`` filter it.
    """

    origin: str
    api_id: str
    entries: list[Entry] = field(default_factory=list)

    def add(self, logical_id: str, type_: str, status: str, note: str) -> None:
        assert status in STATUSES
        entry = Entry(logical_id, type_, status, note)
        if entry not in self.entries:
            self.entries.append(entry)

    def _with(self, status: str) -> list[Entry]:
        return [e for e in self.entries if e.status == status]

    @property
    def read(self) -> list[Entry]:
        return self._with("read")

    @property
    def approximated(self) -> list[Entry]:
        return self._with("approximated")

    @property
    def ignored(self) -> list[Entry]:
        return self._with("ignored")

    def for_resource(self, logical_id: str) -> list[Entry]:
        return [e for e in self.entries if e.logical_id == logical_id]

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "api": self.api_id,
            "entries": [
                {"logical_id": e.logical_id, "type": e.type, "status": e.status, "note": e.note}
                for e in self.entries
            ],
        }

    def __str__(self) -> str:
        lines = [f"Template report for {self.api_id} (from {self.origin})"]
        for status in STATUSES:
            items = self._with(status)
            lines.append(f"{status} ({len(items)}):")
            lines.extend(f"  {e.logical_id} [{e.type}]: {e.note}" for e in items)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(e.status)}</td><td><code>{html.escape(e.logical_id)}</code></td>"
            f"<td>{html.escape(e.type)}</td><td>{html.escape(e.note)}</td></tr>"
            for status in STATUSES
            for e in self._with(status)
        )
        return (
            f"<div class='wsnb-template-report'><b>Template report</b> for "
            f"<code>{html.escape(self.api_id)}</code> (from {html.escape(self.origin)})"
            "<table><thead><tr><th>status</th><th>resource</th><th>type</th><th>note</th></tr>"
            f"</thead><tbody>{rows}</tbody></table></div>"
        )
