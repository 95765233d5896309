"""Stage an asset layout on disk so CDK can hash and copy it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..plan import AssetLayout, write_layout


def stage_layout(layout: AssetLayout) -> Path:
    """A temp app root holding the layout, reused while the contents are unchanged."""
    base = Path(tempfile.gettempdir()) / "wsnb-assets"
    root = base / layout.digest()[:32]
    if (root / ".complete").is_file():
        return root
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=base))
    try:
        write_layout(layout, tmp)
        (tmp / ".complete").write_text("ok")
        try:
            os.rename(tmp, root)
        except OSError:  # another process staged it first
            if not (root / ".complete").is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return root
