"""Stage an asset layout on disk so aws-cdk-lib can hash and copy it — privately.

Where: one directory per process, made by :func:`tempfile.mkdtemp` (a random name, created
atomically with mode 0700, so no other user can have made it first or read it), holding one
folder per layout digest. Before each use the base directory is checked with ``os.lstat``:
a real directory (not a symlink), owned by this user, with no group/other permissions —
otherwise a new one is made. A staged folder is reused only if its files are exactly the
layout's (names and bytes); anything else is rebuilt. Only the most recent
:data:`KEEP` layouts are kept (CDK copies an asset into its output directory when the
construct is created, so older folders are no longer needed), and the whole directory is
removed when the process exits. A process killed outright cannot do that: the next one sweeps
this user's private staging directories whose process is gone (each holds its process id).

The old shared location ``<tmp>/wsnb-assets/<digest>/`` is never read.
"""

from __future__ import annotations

import atexit
import os
import shutil
import stat
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from .._errors import SynthError
from ..plan import AssetLayout, write_layout

#: how many staged layouts a process keeps (the older ones are deleted)
KEEP = 8

_LOCK = threading.Lock()
_BASE: Path | None = None
_STAGED: OrderedDict[str, Path] = OrderedDict()


def private_base() -> Path:
    """This process's private staging directory (made, or re-made if it is not safe)."""
    global _BASE
    if _BASE is None or not _is_private_dir(_BASE):
        _BASE = Path(tempfile.mkdtemp(prefix=_PREFIX))
        _STAGED.clear()
        atexit.register(shutil.rmtree, _BASE, True)
        (_BASE / _PID_FILE).write_text(str(os.getpid()))
        sweep_orphans(_BASE.parent, keep=_BASE)
        if not _is_private_dir(_BASE):
            raise SynthError(
                f"The staging directory {_BASE} is not private to this user.",
                given=str(_BASE),
                fix="set TMPDIR to a directory only you can write to",
            )
    return _BASE


_PREFIX = "wsnb-assets-"
_PID_FILE = ".wsnb-pid"
#: a staging directory without a process id (older wsnb) is an orphan after this long
_ORPHAN_SECONDS = 24 * 3600


def sweep_orphans(tmp: Path, keep: Path | None = None) -> list[Path]:
    """Remove this user's private staging directories under ``tmp`` whose process has ended
    (killed before its exit hook ran); others' directories and live ones are never touched."""
    import time

    removed: list[Path] = []
    try:
        candidates = [p for p in tmp.iterdir() if p.name.startswith(_PREFIX) and p != keep]
    except OSError:
        return removed
    for path in candidates:
        if not _is_private_dir(path):
            continue  # not ours (or not private): never touched
        try:
            pid = int((path / _PID_FILE).read_text().strip())
        except (OSError, ValueError):
            pid = None
        if pid is not None and _process_alive(pid):
            continue
        if pid is None:
            try:
                if time.time() - path.stat().st_mtime < _ORPHAN_SECONDS:
                    continue
            except OSError:
                continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's, or unknowable): keep
    return True


def _is_private_dir(path: Path) -> bool:
    """A real directory (no symlink), owned by this user, with no group/other access."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    owner_ok = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    return stat.S_ISDIR(st.st_mode) and owner_ok and not (st.st_mode & 0o077)


def stage_layout(layout: AssetLayout) -> Path:
    """A private app root holding exactly the layout's files (reused while they match)."""
    with _LOCK:
        base = private_base()
        digest = layout.digest()
        root = base / digest[:32]
        if root.is_dir() and not root.is_symlink() and matches(layout, root):
            _STAGED[digest] = root
            _STAGED.move_to_end(digest)
            return root
        shutil.rmtree(root, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=base))
        try:
            write_layout(layout, tmp)
            os.rename(tmp, root)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        _STAGED[digest] = root
        while len(_STAGED) > KEEP:
            _, old = _STAGED.popitem(last=False)
            shutil.rmtree(old, ignore_errors=True)
        return root


def matches(layout: AssetLayout, root: Path) -> bool:
    """Whether ``root`` holds exactly the layout's files, byte for byte (no more, no less)."""
    found: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for name in dirnames:
            if os.path.islink(os.path.join(dirpath, name)):
                return False
        for name in filenames:
            found.add(name if rel_dir == "." else f"{rel_dir}/{name}")
    if found != set(layout.files):
        return False
    for rel, item in layout.files.items():
        path = root.joinpath(*rel.split("/"))
        if path.is_symlink() or path.read_bytes() != item.data():
            return False
    return True
