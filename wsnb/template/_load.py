"""Reading the source: a template file (YAML with short-form tags, or JSON), a dict, or a
CDK cloud assembly folder (``cdk.out``: ``manifest.json`` names the stack templates)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import TemplateError, require
from ._shapes import mapping, shape_error, text

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


@dataclass
class Loaded:
    """One CloudFormation template and where it came from."""

    template: dict[str, Any]
    origin: str  # shown in the display and the report
    base_dir: Path  # where relative code paths resolve
    stack_name: str | None = None
    assembly: bool = False  # from a cdk.out (asset folders named by aws:asset:path)


def load(source: Any, base_dir: Any = None) -> list[Loaded]:
    """Every template ``source`` holds (one, or one per stack of a cloud assembly)."""
    base = Path(base_dir).expanduser().resolve() if base_dir is not None else None
    if isinstance(source, dict):
        _check_template(source, "the template dict")
        return [Loaded(copy.deepcopy(source), "a template dict", base or Path.cwd().resolve())]
    if not isinstance(source, (str, Path)):
        raise TemplateError(
            f"from_template takes a path or a template dict, not {type(source).__name__}.",
            given=source,
            allowed="a .yaml/.yml/.json/.template file, a cdk.out folder, or a dict",
            fix='WebSocketApi.from_template("template.yaml")',
        )
    path = Path(source).expanduser()
    if path.is_dir():
        return _assembly(path.resolve(), base)
    if not path.is_file():
        raise TemplateError(
            f"Template {str(path)!r} does not exist.",
            given=str(source),
            allowed="a .yaml/.yml/.json/.template file or a cdk.out folder",
            fix="check the path (relative paths start at the working directory)",
        )
    path = path.resolve()
    template = parse_file(path)
    return [Loaded(template, path.name, base or path.parent)]


def parse_file(path: Path) -> dict[str, Any]:
    """Parse a JSON or YAML (short-form tags included) template file."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(
            f"{path.name}: cannot be read ({exc}).",
            given=str(path),
            fix="give a readable UTF-8 template file",
        ) from None
    if path.suffix == ".json" or source.lstrip().startswith("{"):
        try:
            data = json.loads(source)
        except ValueError as exc:
            raise TemplateError(
                f"{path.name}: not valid JSON (line {getattr(exc, 'lineno', '?')}: {getattr(exc, 'msg', exc)}).",
                given=str(path),
                fix="fix the JSON syntax at that line",
            ) from None
    else:
        decode = require("cfnlint.decode", extra="templates", purpose="Reading a YAML template")
        try:
            data, matches = decode.decode_str(source)
        except Exception as exc:  # the decoder's own exception types vary by version
            raise TemplateError(
                f"{path.name}: not valid YAML ({exc}).", given=str(path), fix="fix the YAML syntax"
            ) from None
        if data is None or matches:
            problem = "; ".join(
                f"line {getattr(m, 'linenumber', '?')}: {getattr(m, 'message', m)}"
                for m in (matches or [])
            )
            raise TemplateError(
                f"{path.name}: not valid YAML ({problem or 'empty'}).",
                given=str(path),
                fix="fix the YAML syntax at that line",
            )
        data = _plain(data)
    _check_template(data, path.name)
    return data


def _plain(node: Any) -> Any:
    """The decoder's node subclasses as plain dicts, lists and strings."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


_SECTIONS = ("Parameters", "Mappings", "Conditions", "Globals")


def _check_template(data: Any, name: str) -> None:
    """The template's outline: the sections the reader uses are mappings, and every resource is
    a mapping with a string ``Type`` (and mappings for ``Properties``/``Metadata``, a string
    ``Condition``). Properties themselves are checked where they are read."""
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise TemplateError(
            f"{name}: a CloudFormation template needs a Resources mapping.",
            given=type(data).__name__
            if not isinstance(data, dict)
            else sorted(str(k) for k in data)[:10],
            fix="give a CloudFormation or SAM template (with Resources:)",
        )
    for section in _SECTIONS:
        if data.get(section) is not None:
            _named_mappings(data[section], section, entries=section in ("Parameters", "Mappings"))
    function_globals = (data.get("Globals") or {}).get("Function")
    if function_globals is not None:
        mapping(function_globals, "Globals.Function", optional=False)
    _named_mappings(data["Resources"], "Resources", entries=True)
    for logical, res in data["Resources"].items():
        text(res.get("Type"), f"{logical}.Type")
        for key in ("Properties", "Metadata"):
            mapping(res.get(key), f"{logical}.{key}")
        if res.get("Condition") is not None:
            text(res["Condition"], f"{logical}.Condition")


def _named_mappings(value: Any, where: str, *, entries: bool) -> None:
    """``value`` is a mapping with string keys (and, with ``entries``, mapping values)."""
    mapping(value, where, optional=False)
    for key, entry in value.items():
        if not isinstance(key, str):
            raise shape_error(f"{where} key {key!r}", key, "a string (a logical id or name)")
        if entries:
            mapping(entry, f"{where}.{key}" if where != "Resources" else key, optional=False)


def _assembly(folder: Path, base: Path | None, depth: int = 0) -> list[Loaded]:
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise TemplateError(
            f"{folder.name}: a folder source must be a CDK cloud assembly (cdk.out) with manifest.json.",
            given=str(folder),
            fix="pass the cdk.out folder that `cdk synth` wrote, or the template file itself",
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError:
        raise TemplateError(
            f"{folder.name}/manifest.json is not valid JSON.", given=str(manifest_path)
        ) from None
    out: list[Loaded] = []
    where = f"{folder.name}/manifest.json"
    artifacts = mapping(mapping(manifest, where).get("artifacts"), f"{where}: artifacts")
    for name, artifact in sorted(artifacts.items()):
        here = f"{where}: artifacts.{name}"
        kind = mapping(artifact, here, optional=False).get("type")
        props = mapping(artifact.get("properties"), f"{here}.properties")
        if kind == "aws:cloudformation:stack" and props.get("templateFile"):
            file = text(props["templateFile"], f"{here}.properties.templateFile")
            stack = props.get("stackName") or name
            stack = text(stack, f"{here}.properties.stackName")
            out.append(
                Loaded(
                    parse_file(folder / file),
                    f"{folder.name}/{file} (stack {stack})",
                    base or folder,
                    stack_name=stack,
                    assembly=True,
                )
            )
        elif kind == "cdk:cloud-assembly" and props.get("directoryName") and depth < 3:
            nested = text(props["directoryName"], f"{here}.properties.directoryName")
            out.extend(_assembly(folder / nested, base, depth + 1))
    if not out and depth == 0:
        raise TemplateError(
            f"{folder.name}: the cloud assembly has no CloudFormation stack.",
            given=sorted(artifacts),
        )
    return out
