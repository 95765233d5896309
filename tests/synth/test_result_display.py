"""SynthResult's summary: a total row, and each warning at its own level (the access-log caveat
is lint's "info" note, said in lint's words, not an orange warning)."""

from __future__ import annotations

import pickle

from wsnb._lint import access_log_role_finding
from wsnb.plan import SynthNote
from wsnb.synth._result import SynthResult

TEMPLATE = {
    "Resources": {
        "A": {"Type": "AWS::Lambda::Function"},
        "B": {"Type": "AWS::Lambda::Function"},
        "C": {"Type": "AWS::ApiGatewayV2::Api"},
    }
}


def result() -> SynthResult:
    note = SynthNote.note(**access_log_role_finding().to_dict())
    return SynthResult(TEMPLATE, stack_name="dev-app", warnings=["Too many things.", note])


def test_text_summary_has_a_total_row_and_levels():
    lines = repr(result()).splitlines()
    assert lines[3].split() == ["Total", "3"]
    assert lines[4] == "  warning: Too many things."
    assert lines[5].startswith("  info: [access-log-role] Access logging is on")


def test_html_summary_has_a_total_row_and_the_note_is_not_orange():
    page = result()._html()
    assert ">Total</td>" in page and ">3</td></tr></tbody>" in page
    note_item = page[page.index("<strong>info</strong>") - 80 :]
    assert "warn-color" not in note_item.split("</li>")[0]
    assert "<strong>warning</strong>: Too many things." in page


def test_a_note_is_still_a_string_and_survives_pickling():
    note = result().warnings[1]
    assert "AWS::ApiGateway::Account CloudWatchRoleArn" in note
    again = pickle.loads(pickle.dumps(note))
    assert again == note and again.level == "info" and again.code == "access-log-role"
