"""Synthesis: an :class:`~wsnb.model.ApiSpec` → CloudFormation, with real aws-cdk-lib.

``synthesize(spec, app=, stage=, region=, account=, context=, root=)`` builds a fresh
``cdk.App`` with one stack named ``<stage>-<app>`` and adds the API with :func:`to_cdk`'s
construct. Handler paths are read in ``root`` (None: the working directory at the call). The
result is cached per (model digest, options, root, handler file contents).

Naming (documented choices):

- construct ids: ``Lambda_<key>`` / ``Route_<key>`` (key without non-alphanumerics), ``Api``,
  ``Stage``, ``LogGroup``, ``Table_<id>``, ``Bucket_<id>``, ``AuthorizerFunction``,
  ``Certificate``, ``DomainName``, ``ApiMapping``, ``AliasRecord``/``AliasRecordAAAA``;
  for a non-proxy route (SPEC §9): the integration ``Route_<key>Integration`` under its route
  (as for a proxy), ``IntegrationResponse_<key letters>`` under the route, the role wsnb
  creates for an AWS service integration ``IntegrationRole_<key>`` (see :mod:`wsnb.plan`'s
  ``_integrations`` for which aws-cdk-lib class serves which kind);
- tables are named ``<stage>-<app>-<id>`` (as SST);
- a bound ``Secret`` is read from the SSM parameter ``/wsnb/<app>/<stage>/Secret/<name>/value``
  (functions get ``ssm:GetParameter`` on it and its name in ``WSNB_Secret_<name>_parameter_name``);
- ``to_cdk(spec, scope)`` takes app and stage from the CDK context values ``wsnb:app`` and
  ``wsnb:stage`` (default ``"app"``/``"dev"``), and account/region from the scope's stack;
- a Node.js function ships one esbuild bundle, ``wsnb_functions/<file path, "/" as "-">/``
  holding ``index.mjs`` (ES module) or ``index.js`` (CommonJS), Lambda handler
  ``index.<export>`` (see :mod:`wsnb.plan`'s ``_node_assets``); esbuild runs in the API's root,
  so the same sources give the same asset hash on every machine, and the handler's export is
  checked in esbuild's metafile before aws-cdk-lib is called.

Threads: every use of aws-cdk-lib here runs under one process-wide lock (see
:mod:`wsnb.synth._bridge`), so the widget's Synthesize button and a cell's ``api.synth()`` can
run at once. Each synthesis writes its cloud assembly into a private directory of its own,
removed afterwards. Handler files are staged in a private per-process directory
(:mod:`wsnb.synth._staging`). CDK's own annotations (warnings, info) are copied into
``SynthResult.warnings``; CDK errors become :class:`~wsnb.SynthError`. aws-cdk-lib's template
validation report is read from its file, one warning per finding, and never printed: wsnb's
``cdk.App`` sets the two context values that leave the reporting to the caller
(:data:`VALIDATION_CONTEXT`), so nothing reaches the cell's stderr. A model predicted to
exceed CloudFormation's 500-resource limit is refused before aws-cdk-lib is called.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, NoReturn

from .._errors import SynthError, WsnbError
from ..model import ApiSpec
from ..node import lambda_bundler
from ..plan import (
    Options,
    build_plan,
    check_options,
    collect_assets,
    compile_plan,
    function_sources,
    hosted_zone_context_key,
)
from ._bridge import cdk_session
from ._result import SynthResult
from ._staging import stage_layout

__all__ = [
    "SynthResult",
    "build_plan",
    "cdk_annotations",
    "cdk_session",
    "synthesize",
    "to_cdk",
]

#: aws-cdk-lib prints its template validation report (``console.error`` in its Node process,
#: which jsii copies to this process's stderr) unless the app says the caller reports it. wsnb
#: does: :func:`validation_notes` reads the report file. ``validateAgainstDefaultRules`` is set
#: too because otherwise CDK still prints a "turn these into errors" preamble; its findings are
#: then reported as warnings, as CDK's default does, unless the user's own context asks for
#: errors (then :func:`_run` raises a SynthError with them).
VALIDATE_FLAG = "@aws-cdk/core:validateAgainstDefaultRules"
VALIDATION_CONTEXT = {"@aws-cdk/core:failSynthOnValidationErrors": False, VALIDATE_FLAG: True}

_CACHE: OrderedDict[tuple[str, str, str, str], SynthResult] = OrderedDict()
_CACHE_SIZE = 32
_CACHE_LOCK = threading.Lock()


def synthesize(
    spec: ApiSpec,
    *,
    app: str = "app",
    stage: str = "dev",
    region: str | None = None,
    account: str | None = None,
    context: dict[str, Any] | None = None,
    root: str | os.PathLike[str] | None = None,
) -> SynthResult:
    """CloudFormation for ``spec`` (cached while the model, options, root and handler files are
    unchanged); handler files are read in ``root`` (None: the working directory now)."""
    opts = check_options(app, stage, region, account, context)
    folder = os.path.abspath(os.getcwd() if root is None else root)
    assets = collect_assets(function_sources(spec), root=folder, bundler=lambda_bundler())
    key = (spec.digest(), opts.key(), folder, assets.digest())
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
    plan = compile_plan(spec, opts, assets)
    warnings = list(plan.warnings)
    template, notes = _run(plan, assets, opts)
    result = SynthResult(template, stack_name=plan.stack_name, warnings=warnings + notes)
    with _CACHE_LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def _run(plan: Any, assets: Any, opts: Options) -> tuple[dict[str, Any], list[str]]:
    """Interpret the plan in a fresh ``cdk.App`` writing into its own private directory."""
    from ._construct import construct_class
    from ._interpret import Interpreter

    with cdk_session():
        root = stage_layout(assets)
        outdir = Path(tempfile.mkdtemp(prefix="wsnb-cdk-out-"))
        try:
            try:
                env = Interpreter({}, root).run(
                    plan.app_steps,
                    extra={
                        "app": {
                            "context": {**opts.context, **VALIDATION_CONTEXT},
                            "outdir": str(outdir),
                        }
                    },
                )
                construct_class()(env["stack"], plan.construct_id, plan=plan, asset_root=root)
                env["app"].synth()
            except Exception as exc:
                _raise_as_synth_error(exc)
            manifest = json.loads((outdir / "manifest.json").read_text())
            template = json.loads((outdir / f"{plan.stack_name}.template.json").read_text())
            notes, errors = cdk_annotations(outdir)
            strict = opts.context.get(VALIDATE_FLAG) is True
            found = validation_notes(outdir, errors_as="error" if strict else "warning")
            notes += [n for n in found if not n.startswith(_VALIDATION_ERROR)]
            errors += [n for n in found if n.startswith(_VALIDATION_ERROR)]
        finally:
            shutil.rmtree(outdir, ignore_errors=True)
    missing = manifest.get("missing") or []
    if missing:
        raise SynthError(
            "The CDK app needs context values it does not have (it would use dummy values).",
            given=[m.get("key") for m in missing],
            fix="pass them with context={...}",
            path="context",
        )
    if errors:
        raise SynthError(
            "aws-cdk-lib reported errors for this API: " + "; ".join(errors),
            given=errors,
            fix="change what the message names; if the model built without complaint, this is "
            "a wsnb bug worth reporting",
        )
    return template, notes


_LEVELS = {"aws:cdk:warning": "warning", "aws:cdk:info": "info", "aws:cdk:error": "error"}


def cdk_annotations(outdir: Path) -> tuple[list[str], list[str]]:
    """(warnings and info, errors) CDK recorded in the cloud assembly at ``outdir``.

    CDK keeps a stack's annotations in the manifest's ``metadata`` or, in newer versions, in
    the file its ``additionalMetadataFile`` names; both are read.
    """
    manifest = json.loads((outdir / "manifest.json").read_text())
    notes: list[str] = []
    errors: list[str] = []
    for artifact in (manifest.get("artifacts") or {}).values():
        metadata = dict(artifact.get("metadata") or {})
        extra = artifact.get("additionalMetadataFile")
        if isinstance(extra, str) and (outdir / extra).is_file():
            for path, entries in json.loads((outdir / extra).read_text()).items():
                metadata.setdefault(path, []).extend(entries or ())
        for path, entries in sorted(metadata.items()):
            for entry in entries or ():
                level = _LEVELS.get(entry.get("type", ""))
                if level is None:
                    continue
                data = entry.get("data")
                text = data if isinstance(data, str) else json.dumps(data, sort_keys=True)
                line = f"CDK {level} at {path}: {text}"
                (errors if level == "error" else notes).append(line)
    return notes, errors


_VALIDATION_ERROR = "CloudFormation validation error"


def validation_notes(outdir: Path, *, errors_as: str = "warning") -> list[str]:
    """What aws-cdk-lib's built-in template validation found (its ``validation-report.json``),
    one line per finding: ``SynthResult.warnings`` holds what CDK would print to stderr.

    A finding of severity "error" is said at level ``errors_as``: "warning" (what CDK does
    unless ``validateAgainstDefaultRules`` is on) or "error" (lines that start with
    :data:`_VALIDATION_ERROR`, which synth raises)."""
    report = outdir / "validation-report.json"
    if not report.is_file():
        return []
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        return []
    lines = []
    for plugin in data.get("pluginReports") or ():
        name = plugin.get("pluginName") or "validation"
        for violation in plugin.get("violations") or ():
            where = sorted(
                f"{r.get('logicalId')} {'/'.join(r.get('propertyPaths') or ()) or ''}".strip()
                for c in violation.get("violatingConstructs") or ()
                if isinstance(r := c.get("cloudFormationResource"), dict)
            )
            fix = violation.get("suggestedFix")
            severity = violation.get("severity", "warning")
            if severity == "error":
                severity = errors_as
            prefix = _VALIDATION_ERROR if severity == "error" else f"{name} {severity}"
            lines.append(
                f"{prefix} {violation.get('ruleName', '')} "
                f"at {', '.join(where) or 'the template'}: {violation.get('description', '')}"
                + (f" Fix: {fix}" if fix else "")
            )
    return lines


def _raise_as_synth_error(exc: Exception) -> NoReturn:
    """Re-raise a CDK/jsii failure as a :class:`SynthError` (wsnb's own errors pass through)."""
    from ._bridge import bridge_alive

    if isinstance(exc, WsnbError) or not bridge_alive():
        raise exc  # a dead bridge is reported by cdk_session itself
    message = str(exc).strip() or type(exc).__name__
    raise SynthError(
        f"aws-cdk-lib refused this API: {message}",
        given=type(exc).__name__,
        fix="change what the message names; if the model built without complaint, this is a "
        "wsnb bug worth reporting",
    ) from exc


def to_cdk(
    spec: ApiSpec, scope: Any, id: str | None = None, *, root: str | os.PathLike[str] | None = None
) -> Any:
    """Add the API to ``scope`` (a construct in your own CDK stack); returns the construct.
    Handler files are read in ``root`` (None: the working directory now).

    Raises before changing ``scope`` when the API cannot be planned; a failure inside
    aws-cdk-lib removes the half-built construct again, so a retry starts clean.
    """
    from ._construct import construct_class

    with cdk_session() as cdk:
        stack = cdk.Stack.of(scope)
        region = None if cdk.Token.is_unresolved(stack.region) else stack.region
        account = None if cdk.Token.is_unresolved(stack.account) else stack.account
        app = scope.node.try_get_context("wsnb:app") or "app"
        stage = scope.node.try_get_context("wsnb:stage") or "dev"
        context: dict[str, Any] = {}
        domain = spec.custom_domain
        if (
            domain is not None
            and domain.zone_name
            and not domain.hosted_zone_attributes
            and account
            and region
        ):
            key = hosted_zone_context_key(account, domain.zone_name, region)
            value = scope.node.try_get_context(key)
            if value is not None:
                context[key] = value
        opts = check_options(app, stage, region, account, context)
        plan, assets = build_plan(spec, opts, root=root, bundler=lambda_bundler())
        cid = id or plan.construct_id
        if scope.node.try_find_child(cid) is not None:
            raise SynthError(
                f"The scope {scope.node.path or '(the app)'!r} already holds a construct named {cid!r}.",
                given=cid,
                fix=f'api.to_cdk(scope, id="{cid}2"), or add it to another scope',
                path="id",
            )
        root = stage_layout(assets)
        try:
            return construct_class()(scope, cid, plan=plan, asset_root=root)
        except BaseException as exc:
            with contextlib.suppress(Exception):
                scope.node.try_remove_child(cid)
            if isinstance(exc, Exception):
                _raise_as_synth_error(exc)
            raise
