"""``TemplateOrigin``: where an API read by ``from_template`` came from.

``read_template`` returns the model (an :class:`~wsnb.model.ApiSpec`) and this record; the
facade (``WebSocketApi.from_template``) keeps both, and the functions of :mod:`._result` and
:mod:`._note` read the record to lint, synthesize, serve and show the API as its template
says. Frozen: an API's origin never changes (edits change the model, not where it came from).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..model import ApiSpec
from ._report import TemplateReport


@dataclass(frozen=True)
class TemplateOrigin:
    """What ``from_template`` read besides the model.

    ``report``: read / approximated / ignored per resource. ``source``: the template's name in
    messages (its path, ``"a template dict"``, or the cloud assembly's stack). ``root``: the
    folder handler paths are relative to (the template's folder, ``base_dir``, or a private
    folder linking to the code folders). ``stage``: the template's stage name. ``api_host``:
    ``"{}.execute-api.<region>.amazonaws.com"`` (``{}`` = the API id). ``region`` and
    ``account``: what ``AWS::Region`` and ``AWS::AccountId`` resolved to. ``runtimes``:
    function logical id → runtime. ``route_functions``: route key → function logical id (for
    the routes that have a function). ``loaded_spec``: the model as read (what the report's
    differences describe). ``route_ids`` and ``route_integrations``: route key → the logical id
    of its ``AWS::ApiGatewayV2::Route`` and of its ``AWS::ApiGatewayV2::Integration`` (what
    advice in the template's terms names).
    """

    report: TemplateReport
    source: str
    root: Path
    stage: str
    api_host: str
    region: str
    account: str
    runtimes: dict[str, str]
    route_functions: dict[str, str]
    loaded_spec: ApiSpec
    route_ids: dict[str, str] = field(default_factory=dict)
    route_integrations: dict[str, str] = field(default_factory=dict)
