"""Any model that builds also synthesizes: hostile SST dicts and builder calls either raise a
WsnbError (leaving the API unchanged) or give a model that real aws-cdk-lib synthesizes.

Kept small for CI; ``benchmarks/fuzz_models.py`` runs the same strategies at scale and also
checks export + ``python app.py`` and ``to_cdk`` against ``synth``.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsnb import SynthError, WebSocketApi, WsnbError

from .hostile_models import apply, builder_call, sst_dict, write_handlers

pytestmark = pytest.mark.cdk

_ROOT = Path(tempfile.mkdtemp(prefix="wsnb-fuzz-"))
write_handlers(_ROOT)
_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def root(monkeypatch) -> Path:
    monkeypatch.chdir(_ROOT)
    return _ROOT


def _synth_or_synth_error(api: WebSocketApi) -> None:
    """A built model synthesizes; the only refusal allowed at synth is a documented SynthError
    (e.g. an authorizer without $connect, which lint() already reports as an error)."""
    try:
        result = api.synth()
    except SynthError:
        assert any(f.level == "error" for f in api.lint()), api.to_dict()
        return
    assert result.template["Resources"]


@_SETTINGS
@given(data=sst_dict)
def test_sst_dicts_build_and_synth_or_raise_wsnb_error(root, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            api = WebSocketApi("Api", **data)
        except WsnbError:
            return
    _synth_or_synth_error(api)


@_SETTINGS
@given(calls=st.lists(builder_call, min_size=1, max_size=4))
def test_builder_calls_leave_api_unchanged_or_synth(root, calls):
    api = WebSocketApi("Api").route("$connect", "src/a.main")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in calls:
            before = api.to_dict()
            try:
                apply(api, call)
            except WsnbError:
                assert api.to_dict() == before
    _synth_or_synth_error(api)
