"""What ``from_template`` did with each resource: read, approximated, ignored."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("read", "approximated", "ignored")

#: How a synthesized or exported app differs from the template, by kind (in the order the
#: differences are listed): an entry's ``change``. ``None``: the output says what the template
#: says (read), or the entry matters only locally (a code archive unpacked, an invoke
#: permission or deployment wsnb makes itself).
CHANGES = {
    "grant": "grant differs",
    "value": "value replaced",
    "runtime": "runtime changed",
    "setting": "setting changed",
    "left out": "left out",
    "resource": "not in the output",
}
_DEFAULT_CHANGE = {"read": None, "approximated": "setting", "ignored": "left out"}
_UNSET: Any = object()


@dataclass(frozen=True)
class Entry:
    logical_id: str
    type: str
    status: str  # read | approximated | ignored
    note: str
    change: str | None = None  # a key of CHANGES: how synth()/export() differ here, if they do


@dataclass
class TemplateReport:
    """Resource by resource: what was read into the model, approximated, or ignored (and why).

    ``report.entries`` is the full list; ``report.read``/``approximated``/``ignored`` filter it.
    """

    origin: str
    api_id: str
    entries: list[Entry] = field(default_factory=list)

    def add(
        self, logical_id: str, type_: str, status: str, note: str, *, change: Any = _UNSET
    ) -> None:
        """Record one item. ``change`` says how synth()/export() differ from the template here
        (a key of :data:`CHANGES`, or None); by default an approximated item is a changed
        setting, an ignored one is left out, and a read one is kept as it is."""
        assert status in STATUSES
        if change is _UNSET:
            change = _DEFAULT_CHANGE[status]
        assert change is None or change in CHANGES
        entry = Entry(logical_id, type_, status, note, change)
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

    @property
    def differences(self) -> list[Entry]:
        """The items where synth()/export() differ from the template, grouped by kind
        (:data:`CHANGES` order), in reading order within a kind."""
        order = list(CHANGES)
        found = [(e, e.change) for e in self.entries if e.change is not None]
        return [e for e, _ in sorted(found, key=lambda item: order.index(item[1]))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "api": self.api_id,
            "entries": [
                {
                    "logical_id": e.logical_id,
                    "type": e.type,
                    "status": e.status,
                    "note": e.note,
                    "change": e.change,
                }
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
