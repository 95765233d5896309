"""The plan: what one API becomes, as pure data that both back ends read.

``synth`` runs a plan with aws-cdk-lib; ``export`` prints it as a Python CDK app. Neither
back end builds anything on its own, so the exported app cannot drift from the template.
Pure Python (no aws_cdk). This package's public names are the interface for the rest of
wsnb; its ``_``-modules are private to it.
"""

from __future__ import annotations

import os

from .._errors import SynthError
from ..model import ApiSpec
from ._assets import (
    EXCLUDE_GLOBS,
    GENERATED_DIR,
    AssetFile,
    AssetLayout,
    collect_assets,
    is_shipped,
    write_layout,
)
from ._compile import compile_plan, function_handlers, function_sources
from ._ir import (
    Asset,
    Assign,
    Attr,
    Call,
    Concat,
    DictE,
    Do,
    Expr,
    ListE,
    Lit,
    Plan,
    SetAttr,
    Step,
    Sym,
    Var,
)
from ._naming import hosted_zone_context_key, secret_parameter_name
from ._node_assets import BuiltBundle, Bundler, NodeAsset
from ._notes import SynthNote
from ._options import Options, check_options

__all__ = [
    "EXCLUDE_GLOBS",
    "GENERATED_DIR",
    "Asset",
    "AssetFile",
    "AssetLayout",
    "Assign",
    "Attr",
    "BuiltBundle",
    "Bundler",
    "Call",
    "Concat",
    "DictE",
    "Do",
    "Expr",
    "ListE",
    "Lit",
    "NodeAsset",
    "Options",
    "Plan",
    "SetAttr",
    "Step",
    "Sym",
    "SynthNote",
    "Var",
    "build_plan",
    "check_options",
    "collect_assets",
    "compile_plan",
    "function_handlers",
    "function_sources",
    "hosted_zone_context_key",
    "is_shipped",
    "secret_parameter_name",
    "write_layout",
]


def build_plan(
    spec: ApiSpec,
    opts: Options,
    *,
    error: type = SynthError,
    root: str | os.PathLike[str] | None = None,
    bundler: Bundler | None = None,
) -> tuple[Plan, AssetLayout]:
    """(plan, asset layout) for a spec and checked options: the input of both back ends.
    Handler files are read in ``root`` (None: the working directory now); Node.js handler
    files are bundled with ``bundler`` (the back end's, from :mod:`wsnb.node`)."""
    assets = collect_assets(function_sources(spec), error=error, root=root, bundler=bundler)
    return compile_plan(spec, opts, assets), assets
