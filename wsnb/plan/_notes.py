"""Notes a plan carries to the synth result: lint findings said again at synth."""

from __future__ import annotations


class SynthNote(str):
    """An entry of ``SynthResult.warnings`` that is a lint finding said again at synth.

    It is the text ``"<message> Fix: <fix>"`` (so it reads and compares as a plain string) and
    keeps the finding's ``level`` ("info" for a note, "warning") and ``code``, so the summary,
    the widget and the CLI show it at the same severity as ``api.lint()`` does.
    """

    level: str
    code: str
    #: the same note with its fix in command-line words (``TARGET``: the CLI's TARGET), if any
    cli_text: str | None = None

    @classmethod
    def note(
        cls, level: str, code: str, message: str, fix: str, cli_fix: str | None = None
    ) -> SynthNote:
        """The note of a lint finding (``SynthNote.note(**finding.to_dict())``); ``cli_fix``:
        the fix in command-line words, which the CLI shows instead."""
        note = cls(f"{message} Fix: {fix}")
        note.level = level
        note.code = code
        note.cli_text = f"{message} Fix: {cli_fix}" if cli_fix else None
        return note

    def __reduce__(self):
        return (_rebuild_note, (str(self), self.level, self.code, self.cli_text))


def _rebuild_note(text: str, level: str, code: str, cli_text: str | None = None) -> SynthNote:
    note = SynthNote(text)
    note.level, note.code, note.cli_text = level, code, cli_text
    return note
