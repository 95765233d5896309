"""esbuild, as SST and aws-cdk-lib's ``NodejsFunction`` use it: Node handlers bundled into
JavaScript-only files with ``@aws-sdk/*`` left to the Lambda runtime, and a handler's exports
read from esbuild's metafile without running it.

esbuild always runs with the API's root as its working directory and the entry given relative
to it, so the same sources give the same bytes on every machine (the bundle's path comments are
relative). An ES module entry becomes an ES module bundle (``.mjs``: Lambda imports it); a
CommonJS entry stays CommonJS (``.cjs``: Lambda requires it and reads ``module.exports``).

Calls go to one long-lived Node process running esbuild's JS API (a few ms per bundle instead
of a process start each), shared by the threads of this process and stopped at exit.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._cache import NodeTools, ensure
from ._errors import BundleError, NodeError
from ._toolchain import _child_env

_JS = Path(__file__).with_name("js")
#: The line an ES module bundle starts with when CommonJS code inside it calls ``require()``:
#: it gives that code Node's own (one line, so the rebuild command can carry it).
REQUIRE_BANNER = (
    'import { createRequire as __wsnbCreateRequire } from "node:module"; '
    "const require = __wsnbCreateRequire(import.meta.url);"
)
_RUNTIME_TARGETS = {"nodejs18.x": "node18", "nodejs20.x": "node20", "nodejs22.x": "node22"}


@dataclass(frozen=True)
class Analysis:
    """What esbuild's metafile says about a handler entry (nothing of it runs)."""

    entry: str  # the entry, relative to the root (POSIX separators)
    format: str  # "esm" or "cjs": how the entry is written, and how it is bundled
    exports: tuple[str, ...] | None  # the exported names (None for CommonJS: only running it tells)
    complete: bool  # False when an ``export * from "<external>"`` may add names not listed
    sdk: tuple[str, ...]  # the ``@aws-sdk/*`` packages it imports (left external)
    inputs: tuple[str, ...]  # the files bundled, relative to the root
    filename: str  # the bundle's name: the entry with ``.mjs`` (ESM) or ``.cjs`` (CommonJS)
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Bundle(Analysis):
    """A bundled handler: ``code`` (UTF-8 JavaScript) to ship as ``filename`` in the asset."""

    code: bytes = b""


def target_for(runtime: str) -> str:
    """esbuild's ``--target`` for a Lambda Node.js runtime: ``nodejs22.x`` → ``node22``."""
    if runtime in _RUNTIME_TARGETS:
        return _RUNTIME_TARGETS[runtime]
    major = runtime.removeprefix("nodejs").removesuffix(".x")
    if runtime.startswith("nodejs") and major.isdigit():
        return "node" + major
    raise NodeError(
        f"{runtime!r} is not a Lambda Node.js runtime.",
        given=runtime,
        allowed="nodejs20.x, nodejs22.x, nodejs24.x, …",
        fix="use the runtime name Lambda lists, e.g. nodejs22.x",
    )


def analyze(
    entry: str | os.PathLike[str],
    root: str | os.PathLike[str],
    *,
    target: str = "node22",
    tools: NodeTools | None = None,
) -> Analysis:
    """Bundle ``entry`` in memory and report its exports, imports and format (the exact export
    check before serving or synthesizing). :class:`BundleError` when esbuild cannot."""
    out = _call(entry, root, target=target, tools=tools, code=False)
    return Analysis(**_fields(out))


def exports(
    entry: str | os.PathLike[str], root: str | os.PathLike[str], *, tools: NodeTools | None = None
) -> list[str] | None:
    """The names ``entry`` exports (sorted), or None for a CommonJS file (only running it
    tells). See :func:`analyze` for whether the list is complete."""
    found = analyze(entry, root, tools=tools).exports
    return None if found is None else list(found)


def bundle(
    entry: str | os.PathLike[str],
    root: str | os.PathLike[str],
    *,
    target: str = "node22",
    sourcemap: bool = False,
    tools: NodeTools | None = None,
) -> Bundle:
    """Bundle ``entry`` (relative to ``root``, or absolute inside it) for Lambda: esbuild
    ``--bundle --platform=node --target=<target> --external:@aws-sdk/*``, ESM or CommonJS as
    the entry is written; deterministic bytes (see the module docstring)."""
    out = _call(entry, root, target=target, tools=tools, code=True, sourcemap=sourcemap)
    code = out.pop("code").encode()
    return Bundle(**_fields(out), code=code)


def lambda_bundler(
    tools: NodeTools | None = None,
) -> Callable[[str | os.PathLike[str], str | os.PathLike[str], str], Bundle]:
    """``bundler(entry, root, runtime)``: :func:`bundle` for a Lambda Node.js runtime (its
    :func:`target_for`), with wsnb's tools found or fetched on the first call only (what synth
    and export give the plan: an API without Node.js functions never needs them)."""
    found: list[NodeTools] = [tools] if tools is not None else []

    def run(entry: str | os.PathLike[str], root: str | os.PathLike[str], runtime: str) -> Bundle:
        if not found:
            found.append(ensure())
        return bundle(entry, root, target=target_for(runtime), tools=found[0])

    return run


def command_args(made: Bundle, outfile: str, *, target: str) -> list[str]:
    """The ``esbuild`` command-line arguments that write ``made`` byte for byte to ``outfile``
    (a path relative to the root) when run in the root folder with esbuild
    :data:`~wsnb.node.ESBUILD_VERSION`: the same options as :func:`bundle` (``target`` is the
    one it was given), for a README's rebuild command."""
    if b"//# sourceMappingURL=" in made.code:
        raise BundleError(
            "A bundle with a source map has no rebuild command.",
            given=made.entry,
            fix="bundle without sourcemap=True",
        )
    args = [made.entry, "--bundle", "--platform=node", f"--format={made.format}"]
    args += [f"--target={target}", "--external:@aws-sdk/*", f"--outfile={outfile}"]
    if made.code.startswith(REQUIRE_BANNER.encode()):
        args.append(f"--banner:js={REQUIRE_BANNER}")
    return args


def _fields(out: dict[str, Any]) -> dict[str, Any]:
    return {
        "entry": out["entry"],
        "format": out["format"],
        "exports": None if out["exports"] is None else tuple(sorted(out["exports"])),
        "complete": bool(out["complete"]),
        "sdk": tuple(out["sdk"]),
        "inputs": tuple(out["inputs"]),
        "filename": out["filename"],
        "warnings": tuple(out["warnings"]),
    }


def relative_entry(entry: str | os.PathLike[str], root: str | os.PathLike[str]) -> tuple[str, Path]:
    """``(entry relative to root with POSIX separators, resolved root)``; :class:`BundleError`
    when the entry is missing or outside the root."""
    base = Path(root).resolve()
    path = Path(entry)
    full = (path if path.is_absolute() else base / path).resolve()
    try:
        rel = full.relative_to(base).as_posix()
    except ValueError:
        raise BundleError(
            "A handler file must be inside the API's root folder.",
            given=str(entry),
            allowed=f"files below {base}",
            fix="move the file under the root, or serve/synthesize from a root that holds it",
        ) from None
    if not full.is_file():
        raise BundleError(
            f"Handler file {rel!r} does not exist.",
            given=str(full),
            fix=f"create {rel}, or check the handler's path",
        )
    return rel, base


def _call(
    entry: str | os.PathLike[str],
    root: str | os.PathLike[str],
    *,
    target: str,
    tools: NodeTools | None,
    code: bool,
    sourcemap: bool = False,
) -> dict[str, Any]:
    rel, base = relative_entry(entry, root)
    tools = tools or ensure()
    request = {"entry": rel, "root": str(base), "target": target, "code": code}
    request.update(sourcemap=sourcemap, banner=REQUIRE_BANNER)
    out = _service(tools).call(request)
    if not out.get("ok"):
        errors = out.get("errors") or ["unknown error"]
        raise BundleError(
            f"esbuild could not bundle {rel!r}.",
            given=" | ".join(errors[:5]),
            fix="fix the file (or install the package it imports: npm install <name> in the "
            "root); @aws-sdk/* imports need no install",
            path=rel,
        )
    out["entry"] = rel
    return out


class _Service:
    """One Node process running esbuild's JS API; requests are answered in order."""

    def __init__(self, tools: NodeTools) -> None:
        self._tools = tools
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self._next = 0

    def _start(self) -> subprocess.Popen[str]:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(
                [self._tools.node, str(_JS / "esbuild_service.mjs"), str(self._tools.esbuild)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                cwd=str(self._tools.esbuild.parent),
                env=_child_env(),
            )
        return self._proc

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            proc = self._start()
            self._next += 1
            request = {**request, "id": self._next}
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(json.dumps(request) + "\n")
                proc.stdin.flush()
                line = proc.stdout.readline()
            except (BrokenPipeError, OSError):
                line = ""
            if not line:
                err = self._stop_and_read_error()
                raise NodeError(
                    "wsnb's esbuild helper stopped unexpectedly.",
                    given=err or "no output",
                    fix="retry; if it persists, delete wsnb's cache folder and run "
                    "`python -m wsnb.node fetch`",
                )
            answer = json.loads(line)
            if answer.get("id") != self._next:  # pragma: no cover - a protocol slip
                self._stop_and_read_error()
                raise NodeError("wsnb's esbuild helper answered out of order.", given=answer)
            return answer

    def _stop_and_read_error(self) -> str:
        proc, self._proc = self._proc, None
        if proc is None:
            return ""
        proc.kill()
        try:
            _, err = proc.communicate(timeout=5)
        except (subprocess.TimeoutExpired, ValueError, OSError):
            err = ""
        return (err or "").strip()[-400:]

    def close(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            try:
                assert proc.stdin is not None
                proc.stdin.close()
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()


_services: dict[tuple[str, Path], _Service] = {}
_services_lock = threading.Lock()


def _service(tools: NodeTools) -> _Service:
    key = (tools.node, tools.esbuild)
    with _services_lock:
        service = _services.get(key)
        if service is None:
            if not _services:
                atexit.register(close)
            service = _services[key] = _Service(tools)
        return service


def close() -> None:
    """Stop the esbuild helper processes (they start again on the next call)."""
    with _services_lock:
        services = list(_services.values())
    for service in services:
        service.close()
