"""Packaged example apps. The chat app is tutorial 06's: a ``Connections`` table, four routes and
the same handlers (``src/send_message.py`` is the tutorial's ``src/sendMessage.py``).

Handler paths are relative (``"src/connect.main"``), as in SST; the API ``build_chat_api``
returns has the app's folder as its root, so it lints, synthesizes, exports and serves from
there whatever the working directory::

    from wsnb.examples import build_chat_api, copy_chat_example

    root = copy_chat_example("chat")          # writes chat/src/*.py
    api = build_chat_api(root)                # api.root: the absolute path of chat/
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .._api import WebSocketApi
from .._errors import ExportError, ValidationError
from ..model import Table

CHAT_DIR = Path(__file__).resolve().parent / "chat"
"""The packaged chat app; its ``src/`` holds the handler files."""

CHAT_HANDLERS = ("connect.py", "disconnect.py", "send_message.py", "default.py")

__all__ = ["CHAT_DIR", "CHAT_HANDLERS", "build_chat_api", "copy_chat_example"]


def build_chat_api(root: str | Path | None = None) -> WebSocketApi:
    """The tutorial chat API: ``$connect``/``$disconnect`` keep connection ids in a
    ``Connections`` table, ``sendMessage`` sends ``data`` to everyone connected, ``$default``
    tells the sender how to chat. ``wsnb demo`` writes the same definition out as ``app.py``.

    ``root`` is the folder that holds ``src/`` (default: the packaged copy); it becomes the
    API's root (``api.root``), so synth, export, serve and lint read the handlers from there.
    """
    base = CHAT_DIR if root is None else Path(root)
    missing = [name for name in CHAT_HANDLERS if not (base / "src" / name).is_file()]
    if missing:
        raise ValidationError(
            f"{str(base)!r} does not hold the chat handlers ({', '.join('src/' + m for m in missing)} missing).",
            given=str(root),
            allowed="a folder with src/connect.py, src/disconnect.py, src/send_message.py, src/default.py",
            fix=f"copy_chat_example({str(root)!r}) first, or pass root=None for the packaged copy",
        )
    table = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})
    return (
        WebSocketApi("Chat", root=base)  # handler files are checked, and read, in base
        .defaults(environment={"TABLE_NAME": table.table_name}, permissions=[table])
        .route("$connect", "src/connect.main")
        .route("$disconnect", "src/disconnect.main")
        .route("sendMessage", "src/send_message.main")
        .route("$default", "src/default.main")
    )


def copy_chat_example(dest: str | Path) -> Path:
    """Copy the chat app's ``src/`` handlers into ``dest`` (created if needed); returns ``dest``.

    Existing copies of the same handler files are replaced; nothing else in ``dest`` is touched.
    """
    target = Path(dest)
    if target.exists() and not target.is_dir():
        raise ExportError(
            f"{str(target)!r} exists and is not a folder.",
            given=str(dest),
            fix="pass a folder path (it is created when missing)",
        )
    src = target / "src"
    src.mkdir(parents=True, exist_ok=True)
    for name in CHAT_HANDLERS:
        shutil.copyfile(CHAT_DIR / "src" / name, src / name)
    return target
