"""Synthesis: an :class:`~wsnb.model.ApiSpec` → CloudFormation, with real aws-cdk-lib.

``synthesize(spec, app=, stage=, region=, account=, context=)`` builds a fresh ``cdk.App`` with
one stack named ``<stage>-<app>`` and adds the API with :func:`to_cdk`'s construct. The result
is cached per (model digest, options, handler file contents).

Naming (documented choices):

- construct ids: ``Lambda_<key>`` / ``Route_<key>`` (key without non-alphanumerics), ``Api``,
  ``Stage``, ``LogGroup``, ``Table_<id>``, ``Bucket_<id>``, ``AuthorizerFunction``,
  ``Certificate``, ``DomainName``, ``ApiMapping``, ``AliasRecord``/``AliasRecordAAAA``;
- tables are named ``<stage>-<app>-<id>`` (as SST);
- a bound ``Secret`` is read from the SSM parameter ``/wsnb/<app>/<stage>/Secret/<name>/value``
  (functions get ``ssm:GetParameter`` on it and its name in ``WSNB_Secret_<name>_parameter_name``);
- ``to_cdk(spec, scope)`` takes app and stage from the CDK context values ``wsnb:app`` and
  ``wsnb:stage`` (default ``"app"``/``"dev"``), and account/region from the scope's stack.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

from .._errors import SynthError
from ..model import ApiSpec
from ..plan import (
    Options,
    build_plan,
    check_options,
    collect_assets,
    compile_plan,
    function_handlers,
    hosted_zone_context_key,
)
from ._result import SynthResult
from ._staging import stage_layout

__all__ = ["SynthResult", "build_plan", "synthesize", "to_cdk"]

_CACHE: OrderedDict[tuple[str, str, str], SynthResult] = OrderedDict()
_CACHE_SIZE = 32


def synthesize(
    spec: ApiSpec,
    *,
    app: str = "app",
    stage: str = "dev",
    region: str | None = None,
    account: str | None = None,
    context: dict[str, Any] | None = None,
) -> SynthResult:
    """CloudFormation for ``spec`` (cached while the model, options and handler files are unchanged)."""
    from .. import _facts
    from ..predict import predict_resource_counts

    opts = check_options(app, stage, region, account, context)
    assets = collect_assets(function_handlers(spec))
    key = (spec.digest(), opts.key(), assets.digest())
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        return cached
    plan = compile_plan(spec, opts, assets)
    predicted = sum(predict_resource_counts(spec).values())
    warnings = list(plan.warnings)
    if predicted >= _facts.CFN_RESOURCE_WARN_AT:
        warnings.insert(
            0,
            f"This API needs {predicted} CloudFormation resources; one stack holds at most "
            f"{_facts.CFN_RESOURCE_LIMIT}. Split the routes over several APIs/stacks, or share functions.",
        )
    template = _run(plan, assets, opts)
    result = SynthResult(template, stack_name=plan.stack_name, warnings=warnings)
    _CACHE[key] = result
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


_OUTDIR: Path | None = None


def _outdir() -> Path:
    """One cloud-assembly directory per process (reused: CDK skips re-copying staged assets)."""
    global _OUTDIR
    if _OUTDIR is None or not _OUTDIR.is_dir():
        _OUTDIR = Path(tempfile.mkdtemp(prefix="wsnb-cdk-out-"))
        atexit.register(shutil.rmtree, _OUTDIR, True)
    return _OUTDIR


def _run(plan: Any, assets: Any, opts: Options) -> dict[str, Any]:
    from ._construct import construct_class
    from ._interpret import Interpreter
    from ._node import import_cdk

    import_cdk()
    root = stage_layout(assets)
    outdir = _outdir()
    env = Interpreter({}, root).run(
        plan.app_steps, extra={"app": {"context": opts.context, "outdir": str(outdir)}}
    )
    construct_class()(env["stack"], plan.construct_id, plan=plan, asset_root=root)
    env["app"].synth()
    manifest = json.loads((outdir / "manifest.json").read_text())
    missing = manifest.get("missing") or []
    if missing:
        raise SynthError(
            "The CDK app needs context values it does not have (it would use dummy values).",
            given=[m.get("key") for m in missing],
            fix="pass them with context={...}",
            path="context",
        )
    return json.loads((outdir / f"{plan.stack_name}.template.json").read_text())


def to_cdk(spec: ApiSpec, scope: Any, id: str | None = None) -> Any:
    """Add the API to ``scope`` (a construct in your own CDK stack); returns the construct."""
    from ._construct import construct_class
    from ._node import import_cdk

    cdk = import_cdk()
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
    plan, assets = build_plan(spec, opts)
    return construct_class()(
        scope, id or plan.construct_id, plan=plan, asset_root=stage_layout(assets)
    )
