"""Export: write a standalone CDK app (``app.py``, ``cdk.json``, ``requirements.txt``,
``README.md`` and the handler sources) whose ``cdk synth`` template equals ``api.synth()``.

The app is rendered from the same plan that :func:`wsnb.synth.synthesize` interprets, so the
two cannot drift. The target directory is written atomically (a temp sibling, then a rename);
nothing is ever written outside it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from .._errors import ExportError
from ..model import ApiSpec
from ..plan import AssetLayout, Options, build_plan, check_options
from ._render import render_app

__all__ = ["ExportResult", "export_app", "render_files"]

_FIXED = ("app.py", "cdk.json", "requirements.txt", "README.md")


@dataclass(frozen=True)
class ExportResult:
    """Where the app was written and the files it holds (posix paths, sorted)."""

    path: Path
    files: tuple[str, ...]

    def __repr__(self) -> str:
        return f"ExportResult(path={str(self.path)!r}, files={len(self.files)})"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        text = f"CDK app written to {self.path}:\n" + "\n".join(f"  {f}" for f in self.files)
        return {"text/plain": text}


def render_files(spec: ApiSpec, opts: Options) -> tuple[dict[str, bytes], AssetLayout]:
    """Every file of the exported app (relative posix path → bytes), and the asset layout."""
    plan, assets = build_plan(spec, opts, error=ExportError)
    for name in assets.files:
        if name.split("/")[0] in _FIXED:
            raise ExportError(
                f"A handler asset would overwrite the app's own file {name!r}.",
                given=name,
                fix="rename the handler's folder",
            )
    files: dict[str, bytes] = {
        "app.py": render_app(plan, api_id=spec.id).encode(),
        "cdk.json": _cdk_json(plan.context).encode(),
        "requirements.txt": _requirements().encode(),
        "README.md": _readme(spec, opts, plan.stack_name).encode(),
    }
    for rel, item in sorted(assets.files.items()):
        files[rel] = item.data()
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
) -> ExportResult:
    """Write the standalone CDK app into ``path`` (refuses a non-empty directory unless ``overwrite``)."""
    opts = check_options(app, stage, region, account, context)
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise ExportError(
            "The export path must be a directory path.", given=path, fix='api.export("cdk-app")'
        )
    target = Path(os.path.abspath(os.fspath(path)))
    files, assets = render_files(spec, opts)
    _check_target(target, assets, overwrite)
    for rel in files:
        _check_rel(rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.wsnb-", dir=target.parent))
    try:
        for rel, data in files.items():
            dest = tmp.joinpath(*PurePosixPath(rel).parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        _swap(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return ExportResult(path=target, files=tuple(sorted(files)))


def _check_rel(rel: str) -> None:
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts or not p.parts or "\\" in rel or ":" in p.parts[0]:
        raise ExportError(
            f"Refusing to write {rel!r}: it would leave the export directory.", given=rel
        )


def _check_target(target: Path, assets: AssetLayout, overwrite: bool) -> None:
    if target.is_symlink():
        raise ExportError(
            f"The export path {str(target)!r} is a symlink; wsnb writes only into a real directory.",
            given=str(target),
            fix="export to a plain directory path",
        )
    if target.exists() and not target.is_dir():
        raise ExportError(f"{str(target)!r} exists and is not a directory.", given=str(target))
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise ExportError(
            f"The export directory {str(target)!r} is not empty.",
            given=str(target),
            allowed="a new or empty directory, or overwrite=True to replace its contents",
            fix=f"api.export({str(target)!r}, overwrite=True)",
        )
    cwd = Path.cwd().resolve()
    real = target.resolve()
    if real == cwd or real in cwd.parents:
        raise ExportError(
            f"Refusing to export into {str(target)!r}: it holds the working directory (and your handler sources).",
            given=str(target),
            fix='export into a new folder, e.g. api.export("cdk-app")',
        )
    for item in assets.files.values():
        if item.source and (real == Path(item.source).parent or real in Path(item.source).parents):
            raise ExportError(
                f"Refusing to export into {str(target)!r}: it holds handler source {item.source!r}.",
                given=str(target),
                fix='export into a new folder, e.g. api.export("cdk-app")',
            )
    for rel in assets.directories:
        src = (cwd / rel).resolve()
        if real == src or src in real.parents:
            raise ExportError(
                f"Refusing to export into {str(target)!r}: it is inside the handler folder {rel!r}, "
                "which would ship the export inside the Lambda asset.",
                given=str(target),
                fix="export into a folder outside the handler folders",
            )


def _swap(tmp: Path, target: Path) -> None:
    """Put ``tmp`` in place of ``target`` (an old directory is removed only after the swap)."""
    if not target.exists():
        os.rename(tmp, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.wsnb-old-", dir=target.parent))
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


def _readme(spec: ApiSpec, opts: Options, stack_name: str) -> str:
    return (
        f"# WebSocket API `{spec.id}` — CDK app\n\n"
        "Written by wsnb from a notebook model. It needs only `aws-cdk-lib` and `constructs`\n"
        "(no wsnb): `app.py` is plain CDK Python.\n\n"
        "```sh\n"
        "python3 -m venv .venv && . .venv/bin/activate\n"
        "pip install -r requirements.txt\n"
        "cdk synth      # the CloudFormation template\n"
        "cdk deploy     # deploy it (needs AWS credentials and a bootstrapped account)\n"
        "```\n\n"
        f"- Stack: `{stack_name}` (app `{opts.app}`, stage `{opts.stage}`).\n"
        "- Handler sources are next to `app.py`; notebook functions were written out under\n"
        "  `wsnb_functions/`.\n"
        "- Lookup values (e.g. Route 53 hosted zones) are in `cdk.json`'s `context`.\n"
        "- API Gateway access logging needs the account's API Gateway CloudWatch role\n"
        "  (`AWS::ApiGateway::Account` `CloudWatchRoleArn`), set once per account and region.\n"
    )
