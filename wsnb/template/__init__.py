"""Loading an existing WebSocket API from a CloudFormation/SAM template or a CDK ``cdk.out``.

``WebSocketApi.from_template(source, api=None, parameters=None, region=None, account=None,
base_dir=None)`` calls :func:`read_template`, which returns the model (an ``ApiSpec``) and a
:class:`TemplateOrigin` (report, source, root, stage, region, account, runtimes, ...); the
facade wraps both, and calls this package's functions (``lint_findings``, ``output_spec``,
``serve_defaults``, ``note_text``, ...) with ``(spec, origin)``. This package never imports the
facade. Pieces: :mod:`._load` (files, dicts, cloud assemblies), :mod:`._intrinsics` (Ref,
Fn::*, conditions, mappings, pseudo parameters), :mod:`._read` (resources → the wsnb model),
:mod:`._report` (read / approximated / ignored), :mod:`._origin` (``TemplateOrigin``),
:mod:`._result` (lint, output checks, serve defaults), :mod:`._note` (the display's note),
:mod:`._output_root` (the folder synth and export read handler files in).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._errors import TemplateError, WsnbError
from .._user_frames import warnings_if_committed
from ..model import ApiSpec, build_spec
from ._load import TEMPLATE_SUFFIXES, load
from ._note import note_html, note_text
from ._origin import TemplateOrigin
from ._output_root import output_root
from ._read import ApiChoiceError, Reader, ReadResult, find_apis, pick_api
from ._report import TemplateReport
from ._result import (
    DIFFERENCE_CODE,
    TemplateSynthWarning,
    answer_deployed_host,
    check_runnable,
    lint_findings,
    output_notes,
    output_spec,
    serve_defaults,
)

__all__ = [
    "DIFFERENCE_CODE",
    "TEMPLATE_SUFFIXES",
    "ApiChoiceError",
    "TemplateOrigin",
    "TemplateReport",
    "TemplateSynthWarning",
    "answer_deployed_host",
    "check_runnable",
    "find_apis",
    "lint_findings",
    "looks_like_template",
    "note_html",
    "note_text",
    "output_notes",
    "output_root",
    "output_spec",
    "read_template",
    "serve_defaults",
]


def read_template(
    source: Any,
    *,
    api: str | None = None,
    parameters: dict[str, Any] | None = None,
    region: str | None = None,
    account: str | None = None,
    base_dir: Any = None,
) -> tuple[ApiSpec, TemplateOrigin]:
    """Read one WebSocket API: its model and where it came from (see
    :meth:`wsnb.WebSocketApi.from_template`, which wraps both)."""
    if parameters is not None and not isinstance(parameters, dict):
        raise TemplateError(
            "parameters must be a dict of template parameter name to value.",
            given=parameters,
            fix='parameters={"TableName": "chat"}',
        )
    for name, value in (("region", region), ("account", account), ("api", api)):
        if value is not None and (
            not isinstance(value, str)
            or not value
            or (name == "account" and not (len(value) == 12 and value.isdigit()))
        ):
            raise TemplateError(
                f"{name} must be a non-empty string"
                + (" of 12 digits (an AWS account id)." if name == "account" else "."),
                given=value,
                fix={"region": 'region="eu-west-1"', "account": 'account="123456789012"'}.get(
                    name, 'api="ChatApi"'
                ),
            )
    with _reading(str(source) if isinstance(source, (str, Path)) else "the template dict"):
        loaded = load(source, base_dir)
    with _reading(loaded[0].origin if len(loaded) == 1 else "the cloud assembly"):
        item, logical = pick_api(loaded, api)
    with _reading(f"{item.origin}, Parameters"):
        reader = Reader(item, logical, parameters=parameters, region=region, account=account)
    with _reading(item.origin, reader):
        result = reader.read()
    try:
        spec = _model(result)
    except TemplateError:
        raise
    except WsnbError as exc:
        raise TemplateError(
            f"{logical}: the API read from {item.origin} is not valid for wsnb: {exc.message}",
            given=getattr(exc, "given", None),
            fix=exc.fix,
            path=exc.path,
        ) from exc
    origin = TemplateOrigin(
        report=result.report,
        source=item.origin,
        root=result.root,
        stage=result.stage,
        api_host=f"{{}}.execute-api.{result.region}.{result.url_suffix}",
        region=result.region,
        account=result.account,
        runtimes=result.runtimes,
        route_functions=result.route_functions,
        loaded_spec=spec,  # what the differences describe (edits may make them stale)
        route_ids=result.route_ids,
        route_integrations=result.route_integrations,
    )
    return spec, origin


@warnings_if_committed  # as WebSocketApi(...): a model that is refused warns about nothing
def _model(result: ReadResult) -> ApiSpec:
    """The checked model of what the reader read."""
    return build_spec(
        result.api_id,
        routes=result.routes,
        authorizer=result.authorizer,
        access_log=result.access_log,
        custom_domain=result.custom_domain,
        cdk=result.cdk or None,
    )


@contextlib.contextmanager
def _reading(where: Any, reader: Reader | None = None) -> Iterator[None]:
    """The safety net of reading: a malformed shape the reader does not check yet becomes a
    ``TemplateError`` naming the resource being read (the original exception is its cause)
    instead of a raw ``TypeError``/``KeyError``. Known shapes are checked where they are read,
    with better messages (see ``_shapes``)."""
    try:
        yield
    except WsnbError:
        raise
    except Exception as exc:
        resource = reader.reading[-1] if reader is not None and reader.reading else None
        origin = where if isinstance(where, str) else "the template"
        place = f"{resource} (in {origin})" if resource else origin
        raise TemplateError(
            f"{place}: this template cannot be read: {type(exc).__name__}: {exc}",
            given=resource or origin,
            fix=f"check the properties of {resource} against the CloudFormation reference"
            if resource
            else "check the template against the CloudFormation reference",
            path=resource,
        ) from exc


def looks_like_template(text: str) -> bool:
    """Whether a CLI TARGET location is a template file or a cdk.out folder."""
    path = Path(text)
    if path.suffix.lower() in TEMPLATE_SUFFIXES and path.is_file():
        return True
    return path.is_dir() and (path / "manifest.json").is_file()
