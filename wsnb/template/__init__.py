"""Loading an existing WebSocket API from a CloudFormation/SAM template or a CDK ``cdk.out``.

``WebSocketApi.from_template(source, api=None, parameters=None, region=None, account=None,
base_dir=None)`` calls :func:`from_template`. Pieces: :mod:`._load` (files, dicts, cloud
assemblies), :mod:`._intrinsics` (Ref, Fn::*, conditions, mappings, pseudo parameters),
:mod:`._read` (resources → the wsnb model), :mod:`._report` (read / approximated / ignored),
:mod:`._result` (the returned ``TemplateApi``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._errors import TemplateError
from ._load import TEMPLATE_SUFFIXES, load
from ._read import Reader, find_apis, pick_api
from ._report import TemplateReport
from ._result import TemplateApi, TemplateSynthWarning

__all__ = [
    "TEMPLATE_SUFFIXES",
    "TemplateApi",
    "TemplateReport",
    "TemplateSynthWarning",
    "find_apis",
    "from_template",
    "looks_like_template",
]


def from_template(
    source: Any,
    *,
    api: str | None = None,
    parameters: dict[str, Any] | None = None,
    region: str | None = None,
    account: str | None = None,
    base_dir: Any = None,
) -> TemplateApi:
    """Read one WebSocket API (see :meth:`wsnb.WebSocketApi.from_template`)."""
    if parameters is not None and not isinstance(parameters, dict):
        raise TemplateError(
            "parameters must be a dict of template parameter name to value.",
            given=parameters,
            fix='parameters={"TableName": "chat"}',
        )
    loaded = load(source, base_dir)
    item, logical = pick_api(loaded, api)
    reader = Reader(item, logical, parameters=parameters, region=region, account=account)
    result = reader.read()
    try:
        made = TemplateApi(
            result.api_id,
            routes=result.routes,
            authorizer=result.authorizer,
            access_log=result.access_log,
            custom_domain=result.custom_domain,
            cdk=result.cdk or None,
        )
    except TemplateError:
        raise
    except Exception as exc:
        from .._errors import WsnbError

        if isinstance(exc, WsnbError):
            raise TemplateError(
                f"{logical}: the API read from {item.origin} is not valid for wsnb: {exc.message}",
                given=getattr(exc, "given", None),
                fix=exc.fix,
                path=exc.path,
            ) from exc
        raise
    made.template_report = result.report
    made.template_origin = item.origin
    made.template_root = result.root
    made.template_stage = result.stage
    made.template_api_host = f"{{}}.execute-api.{result.region}.{result.url_suffix}"
    made.runtimes = result.runtimes
    made.route_functions = result.route_functions
    made.loaded_spec = made.spec  # what the differences describe (edits may make them stale)
    return made


def looks_like_template(text: str) -> bool:
    """Whether a CLI TARGET location is a template file or a cdk.out folder."""
    path = Path(text)
    if path.suffix.lower() in TEMPLATE_SUFFIXES and path.is_file():
        return True
    return path.is_dir() and (path / "manifest.json").is_file()
