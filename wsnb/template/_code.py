"""A function's code: the folder (or inline source, or cdk.out asset, or zip archive) it lives
in, the one folder every handler path is relative to, and the wsnb handler each function gets."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

from .. import _facts
from .._errors import TemplateError, WsnbError
from ..model import DeclaredRuntimeHandler, ForeignHandler, parse_handler
from ._context import ReadContext, reads
from ._kinds import SAM_FUNCTION

_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def code_source(
    context: ReadContext, lid: str, kind: str, p: dict[str, Any], handler: str, runtime: str
) -> tuple[Path | None, str | None]:
    """(folder holding the code, inline source) for a function."""
    where = f"{lid}.Properties"
    base = context.template.base_dir
    meta = context.template.resources[lid].get("Metadata") or {}
    asset = meta.get("aws:asset:path")
    if runtime == "image":
        return None, None
    if kind == SAM_FUNCTION:
        if isinstance(p.get("InlineCode"), str):
            return None, p["InlineCode"]
        code = p.get("CodeUri")
        prop = "CodeUri"
    else:
        code = p.get("Code")
        prop = "Code"
        if isinstance(code, dict) and isinstance(code.get("ZipFile"), str):
            return None, code["ZipFile"]
    if not isinstance(asset, str) and isinstance(code, dict):
        asset = _assembly_asset(base, code.get("S3Key"))
    if isinstance(asset, str):
        folder = (base / asset).resolve()
        prop = "Metadata.aws:asset:path"
    elif isinstance(code, str) and "\x00" not in code and not code.startswith("s3://"):
        folder = (base / code).resolve()
    elif code is None and kind == SAM_FUNCTION:
        folder = base
    else:
        raise TemplateError(
            f"{where}.{prop}: the code is in S3 or built elsewhere, so it cannot run locally.",
            given=code,
            allowed="a local folder (CodeUri: src/), inline code (ZipFile/InlineCode), or a cdk.out asset",
            fix="point CodeUri/Code at the local source folder (the template before `sam package`); "
            "for a template from `cdk synth`, load the cdk.out folder or pass base_dir=<cdk.out>",
            path=f"{where}.{prop}",
        )
    where = f"{where}.{prop}"
    if folder.is_file() and folder.suffix == ".zip":
        folder = _unzip(context, lid, folder)
    if not folder.is_dir():
        raise TemplateError(
            f"{where}: code path {str(folder)!r} does not exist.",
            given=str(code if not isinstance(asset, str) else asset),
            fix=f"create it, or pass base_dir= (code paths resolve from {base})",
            path=where,
        )
    if runtime.startswith("python"):
        module, _ = split_handler(handler)
        if (
            not (folder / (module.replace(".", "/") + ".py")).is_file()
            and not (folder / (module + ".py")).is_file()
        ):
            raise TemplateError(
                f"{lid}.Properties.Handler: {handler!r} names {module.replace('.', '/')}.py, which is not in {folder}.",
                given=handler,
                fix="check Handler and CodeUri/Code",
                path=f"{lid}.Properties.Handler",
            )
    return folder, None


def _assembly_asset(base: Path, key: Any) -> str | None:
    """The cdk.out folder of a Lambda asset whose S3 object key is ``key`` (``<hash>.zip``):
    from the stacks' ``*.assets.json`` manifests, else ``asset.<hash>``."""
    if not isinstance(key, str) or "\x00" in key:
        return None
    for manifest in sorted(base.glob("*.assets.json")):
        try:
            files = json.loads(manifest.read_text(encoding="utf-8")).get("files") or {}
        except ValueError:
            continue
        for entry in files.values():
            dests = (entry.get("destinations") or {}).values()
            if any(d.get("objectKey") == key for d in dests):
                path = (entry.get("source") or {}).get("path")
                if isinstance(path, str):
                    return path
    stem = key.rsplit("/", 1)[-1].removesuffix(".zip")
    for folder in (f"asset.{stem}", f"cdk.out/asset.{stem}"):  # base_dir= a cdk.out or its app
        if (base / folder).is_dir():
            return folder
    return None


def _unzip(context: ReadContext, lid: str, archive: Path) -> Path:
    target = context.tempdir() / f"{lid}.unzipped"
    if not target.is_dir():
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                dest = (target / member).resolve()
                if target.resolve() not in dest.parents and dest != target.resolve():
                    raise TemplateError(
                        f"{lid}: the code archive has an entry outside itself.", given=member
                    )
            zf.extractall(target)
    context.report.add(
        lid,
        context.template.type_of(lid),
        "approximated",
        f"code archive {archive.name} unpacked to a private folder",
        change=None,  # synth()/export() ship the same files
    )
    return target


def handler_root(context: ReadContext) -> Path:
    """The folder every handler path is relative to.

    The template's folder (``base_dir``) when every code folder is inside it with
    handler-friendly names; otherwise a private temp folder holding a link per function
    to its code folder and the files of inline code."""
    base = context.template.base_dir

    def ok(folder: Path | None) -> bool:
        if folder is None:
            return False
        try:
            rel = folder.relative_to(base)
        except ValueError:
            return False
        return all(_SEGMENT.match(s) for s in rel.parts)

    code = {lid: c for lid, c in context.code.items() if c != (None, None)}
    if all(inline is None and ok(folder) for folder, inline in code.values()):
        return base
    root = context.tempdir()
    for lid, (folder, inline) in code.items():
        link = root / lid
        if link.exists() or link.is_symlink():
            continue
        if inline is not None:
            link.mkdir()
            info = context.functions[lid]
            module, _ = split_handler(info.props["handler"])
            suffix = ".py" if info.runtime.startswith("python") else ".js"
            file = link / (module.replace(".", "/").lstrip("/") + suffix)  # inside link
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(inline, encoding="utf-8")
            context.report.add(
                lid,
                context.template.type_of(lid),
                "read",
                f"inline code written to a private folder ({link})",
            )
        elif folder is not None:
            try:
                link.symlink_to(folder, target_is_directory=True)
            except OSError:
                shutil.copytree(folder, link)
    return root


@reads
def finish_function(
    context: ReadContext, lid: str, root: Path, *, keep_name: bool = True
) -> dict[str, Any]:
    """A function's wsnb props, with its handler relative to ``root``."""
    info = context.functions[lid]
    props = dict(info.props)
    if not keep_name:  # a function serving several routes: its name stays on the first
        props.pop("function_name", None)
    module, func = split_handler(props.pop("handler"))
    folder, _inline = context.code.get(lid, (None, None))
    if root == context.template.base_dir and folder is not None:
        rel = folder.relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
    else:
        prefix = f"{lid}/"
    text = f"{prefix}{module.replace('.', '/')}.{func}"
    if not info.runtime.startswith("python"):
        text = f"{prefix}{re.sub(r'[^A-Za-z0-9_/.-]', '_', module)}.{re.sub(r'[^A-Za-z0-9_]', '_', func) or 'handler'}"
    try:  # check_file=False: the file is checked by code_source (and never warned about)
        handler = parse_handler(text, f"{lid}.Properties.Handler", check_file=False)
    except WsnbError as exc:
        raise TemplateError(
            f"{lid}.Properties.Handler: {text!r} is not a handler wsnb can run ({exc.message})",
            given=text,
            path=f"{lid}.Properties.Handler",
        ) from None
    if not info.runtime.startswith("python"):
        handler = ForeignHandler(handler.text, runtime=info.runtime or "unknown", logical_id=lid)
    elif info.runtime not in _facts.PYTHON_RUNTIMES:  # e.g. python3.9: shown as declared
        handler = DeclaredRuntimeHandler(handler.text, runtime=info.runtime, logical_id=lid)
    props["handler"] = handler
    return props


def split_handler(handler: str) -> tuple[str, str]:
    """``module.function`` as (module, function); ``handler`` when there is no dot."""
    if "." not in handler:
        return handler, "handler"
    module, func = handler.rsplit(".", 1)
    return module, func
