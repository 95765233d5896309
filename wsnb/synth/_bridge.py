"""The one door to aws-cdk-lib: a process-wide lock and a live jsii bridge.

aws-cdk-lib runs in a Node process that jsii talks to over one pipe, one request at a time:
two threads using it at once interleave their messages and break the protocol. Every use of
aws-cdk-lib in wsnb (``synth``, ``to_cdk``, the widget's Synthesize job, which calls
``synth``) therefore runs inside :func:`cdk_session`, which holds one lock for the process.

If the Node process has died (killed, out of memory, or crashed by a value it could not
read), jsii fails every later call with ``BrokenPipeError``. :func:`cdk_session` notices a
dead process before it starts and restarts it (a new Node process, the same assemblies loaded
again). A failure *during* a session whose Node process died is reported as a
:class:`~wsnb.SynthError` saying what happened; the next session starts a fresh process. If
jsii's internals are not what this module expects, the error says to restart the kernel.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import os
import sys
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from .._errors import SynthError, WsnbError
from ._node import import_cdk

_LOCK = threading.RLock()
_RESTART_HINT = "restart the Python kernel (Kernel → Restart) and run the notebook again"


@contextlib.contextmanager
def cdk_session() -> Iterator[ModuleType]:
    """Hold the process-wide aws-cdk-lib lock, with a live Node bridge; yields ``aws_cdk``."""
    with _LOCK:
        cdk = import_cdk()
        if not bridge_alive():
            restart_bridge()
        try:
            yield cdk
        except WsnbError:
            raise
        except Exception as exc:
            if not bridge_alive():
                raise SynthError(
                    "aws-cdk-lib's Node process stopped while wsnb was using it "
                    f"({type(exc).__name__}: {exc}).",
                    given=type(exc).__name__,
                    fix="run the same call again: wsnb starts a new Node process; if it stops "
                    f"again, {_RESTART_HINT}",
                ) from exc
            raise


def _node_process() -> Any:
    """jsii's ``_NodeProcess`` (started if it was not), or ``None`` if jsii changed shape."""
    try:
        from jsii._runtime import kernel

        node = kernel.provider._process  # type: ignore[attr-defined]  # jsii types the provider as its abstract base
        node._process.poll  # noqa: B018 - the attribute this module relies on
        return node
    except Exception:
        return None


def bridge_alive() -> bool:
    """Whether jsii's Node process is running and its pipe is open (``True`` if unknowable)."""
    node = _node_process()
    if node is None:
        return True
    proc = node._process
    return proc.poll() is None and proc.stdin is not None and not proc.stdin.closed


def restart_bridge() -> None:
    """Start a new Node process for jsii and load every jsii assembly already imported again."""
    node = _node_process()
    if node is None:
        raise SynthError(
            "aws-cdk-lib's Node process is not usable, and this jsii version cannot be restarted "
            "in place.",
            fix=_RESTART_HINT,
        )
    try:
        from jsii import _reference_map
        from jsii._runtime import kernel

        with contextlib.suppress(Exception):
            node.stop()  # the old pipes are broken: closing them may raise
        with contextlib.suppress(Exception):
            node._process.kill()
        node._ctx_stack = contextlib.ExitStack()
        node.start()
        # Python-side proxies of the old process's objects would alias new objects with the
        # same ids: forget them (they were unusable anyway).
        _reference_map._refs._refs.clear()
        _load_assemblies(kernel)
    except Exception as exc:
        raise SynthError(
            f"aws-cdk-lib's Node process had stopped, and restarting it failed ({exc}).",
            fix=_RESTART_HINT,
        ) from exc


def _load_assemblies(kernel: Any) -> None:
    """Load the imported jsii assemblies into the new process, dependencies first.

    ``<pkg>._jsii`` modules enter ``sys.modules`` before they load their own dependencies,
    so a dependency can come later in that order: retry until every assembly is loaded.
    """
    pending = [
        module.__jsii_assembly__
        for name, module in list(sys.modules.items())
        if name.endswith("._jsii") and hasattr(module, "__jsii_assembly__")
    ]
    while pending:
        failed = []
        error: Exception | None = None
        for asm in pending:
            try:
                files = importlib.resources.files(f"{asm.module}._jsii")
                with importlib.resources.as_file(files.joinpath(asm.filename)) as path:
                    kernel.load(asm.name, asm.version, os.fspath(path))
            except Exception as exc:
                failed.append(asm)
                error = exc
        if len(failed) == len(pending):
            raise RuntimeError(f"cannot load {[a.name for a in failed]}: {error}")
        pending = failed
