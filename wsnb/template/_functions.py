"""Reading Lambda functions (plain and SAM) and their code into wsnb function props."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from .. import _facts
from .._errors import HandlerFileWarning, TemplateError, WsnbError
from ..model import Bucket, DeclaredRuntimeHandler, ForeignHandler, Parameter, Ref, Resource, Table
from . import _shapes as shapes
from ._intrinsics import NO_VALUE, markers, strip_markers
from ._kinds import FUNCTION_TYPES, SAM_FUNCTION, FunctionInfo

_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
# Lambda's Python handler: a module (dotted, or a path with /) and a function name
_PYTHON_HANDLER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*\.[A-Za-z_][A-Za-z0-9_]*$")


class FunctionsMixin:
    """``Reader`` methods for functions: props, environment, layers, code folders, handlers."""

    # ------------------------------------------------------------------ functions

    @shapes.reads
    def _function(self, lid: str) -> FunctionInfo:
        if lid in self._functions:
            return self._functions[lid]
        self._used.add(lid)
        kind = self.type_of(lid)
        if not self.active(lid):
            raise TemplateError(
                f"{lid}.Condition: the function's Condition is false, but a route or authorizer uses it.",
                given=self.raw[lid].get("Condition"),
                path=f"{lid}.Condition",
            )
        p = self.props(lid)
        where = f"{lid}.Properties"
        runtime = shapes.text(p.get("Runtime") or "", f"{where}.Runtime", literal=True)
        handler = p.get("Handler")
        if not runtime and (
            p.get("ImageUri")
            or p.get("PackageType") == "Image"
            or (isinstance(p.get("Code"), dict) and "ImageUri" in p["Code"])
        ):
            runtime = "image"
        if not isinstance(handler, str) or not handler:
            if runtime == "image":
                handler = "image.handler"
            else:
                raise TemplateError(
                    f"{where}.Handler: the function has no Handler.",
                    given=handler,
                    path=f"{where}.Handler",
                )
        shapes.text(handler, f"{where}.Handler", literal=True)
        if runtime.startswith("python") and not _PYTHON_HANDLER.match(handler):
            raise TemplateError(
                f"{where}.Handler: {handler!r} is not a Python handler (module.function).",
                given=handler,
                allowed="module.function, e.g. app.handler or src/app.handler",
                fix="name the handler file (without .py) and its function: app.handler",
                path=f"{where}.Handler",
            )
        props: dict[str, Any] = {}
        notes = [f"Handler {handler}", f"Runtime {runtime or '?'}"]
        python = runtime.startswith("python")
        if python:
            norm = runtime.replace("python", "python", 1)
            if norm in _facts.PYTHON_RUNTIMES:
                props["runtime"] = norm
            else:
                self.report.add(
                    lid,
                    kind,
                    "approximated",
                    f"Runtime {runtime} becomes {_facts.DEFAULT_RUNTIME} in synth()/export() "
                    f"(wsnb synthesizes {_facts.PYTHON_RUNTIMES[0]} to {_facts.PYTHON_RUNTIMES[-1]}); "
                    "locally the handler runs on this interpreter",
                    change="runtime",
                )
        else:
            self.report.add(
                lid,
                kind,
                "approximated",
                f"Runtime {runtime or '?'} is not Python: "
                + (
                    "served locally by wsnb's Node.js runtime, but synth() refuses it"
                    if runtime.startswith("nodejs")
                    else "shown, but serve() and synth() refuse it"
                ),
                change=None,  # nothing is synthesized: synth() refuses the API
            )
        for prop, name in (("Timeout", "timeout"), ("MemorySize", "memory_size")):
            if prop in p:
                props[name] = shapes.integer(p[prop], f"{where}.{prop}")
                notes.append(prop)
        props.setdefault("timeout", 3)  # Lambda's own defaults (not wsnb's SST defaults)
        props.setdefault("memory_size", 128)
        if isinstance(p.get("Description"), str):
            props["description"] = p["Description"][:256]
        if isinstance(p.get("FunctionName"), str) and "\x00" not in p["FunctionName"]:
            props["function_name"] = p["FunctionName"][:64]
        arch = shapes.items(p.get("Architectures"), f"{where}.Architectures")
        if arch:
            props["architecture"] = "arm_64" if arch[0] == "arm64" else "x86_64"
        if kind == SAM_FUNCTION:
            tracing = p.get("Tracing")
        else:
            tracing = shapes.mapping(p.get("TracingConfig"), f"{where}.TracingConfig").get("Mode")
        props["tracing"] = {"Active": "active", "PassThrough": "pass_through"}.get(
            str(tracing), "pass_through"
        )
        storage = shapes.mapping(p.get("EphemeralStorage"), f"{where}.EphemeralStorage")
        if "Size" in storage:
            props["ephemeral_storage_size"] = shapes.integer(
                storage["Size"], f"{where}.EphemeralStorage.Size"
            )
        if "ReservedConcurrentExecutions" in p:
            props["reserved_concurrent_executions"] = shapes.integer(
                p["ReservedConcurrentExecutions"], f"{where}.ReservedConcurrentExecutions"
            )
        info = FunctionInfo(lid, props, runtime)
        self._functions[lid] = info
        env = shapes.mapping(p.get("Environment"), f"{where}.Environment").get("Variables")
        env = shapes.mapping(env, f"{where}.Environment.Variables")
        if env:
            props["environment"] = {k: self._env_value(lid, kind, k, v) for k, v in env.items()}
            notes.append("Environment")
        layers = self._layers(lid, kind, p.get("Layers"))
        if layers:
            props["layers"] = layers
            notes.append("Layers")
        perms = self._permissions(lid, kind, p)
        if perms:
            props["permissions"] = perms
        self._code[lid] = self._code_source(lid, kind, p, handler, runtime)
        info.props["handler"] = handler
        self.report.add(lid, kind, "read", ", ".join(notes))
        rest = sorted(
            set(p)
            - {
                "Handler",
                "Runtime",
                "Timeout",
                "MemorySize",
                "Description",
                "FunctionName",
                "Architectures",
                "Tracing",
                "TracingConfig",
                "EphemeralStorage",
                "ReservedConcurrentExecutions",
                "Environment",
                "Layers",
                "Policies",
                "Role",
                "Code",
                "CodeUri",
                "InlineCode",
                "PackageType",
                "ImageUri",
            }
        )
        if rest:
            self.report.add(lid, kind, "ignored", "not read: " + ", ".join(rest))
        return info

    def _layers(self, lid: str, kind: str, layers: Any) -> list[str]:
        out = []
        for i, layer in enumerate(shapes.items(layers, f"{lid}.Properties.Layers")):
            if (
                isinstance(layer, str)
                and "\x00" not in layer
                and re.match(
                    r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$", layer
                )
            ):
                out.append(layer)
            else:
                self.report.add(
                    lid,
                    kind,
                    "ignored",
                    f"Layers[{i}] is not a layer version ARN wsnb can keep (a layer built in the template); its code is not on the local path",
                )
        return out

    def _env_value(self, lid: str, kind: str, name: str, value: Any) -> Any:
        where = f"{lid}.Properties.Environment.Variables.{name}"
        if value is NO_VALUE or value is None:
            return ""
        if isinstance(value, (dict, list)):
            raise TemplateError(
                f"{where}: an environment value must be a string.", given=value, path=where
            )
        if not isinstance(value, str):
            return str(value).lower() if isinstance(value, bool) else str(value)
        found = markers(value)
        if not found:
            res = self._names.get(value) or self._resource_by_name(value)
            if res is not None:
                return self._attr_ref(res, "Ref", value)
            return value
        whole = len(found) == 1 and value == f"\x00{found[0][0]}.{found[0][1]}\x00"
        if whole:
            lid2, attr = found[0]
            res = self._resource(lid2)
            if res is not None:
                return self._attr_ref(res, attr, value)

        def literal(lid2: str, attr: str) -> str:
            res = self._resource(lid2)
            if res is not None:
                return str(self._attr_ref(res, attr, ""))
            text = self._fake(lid2, attr)
            what = f"{lid2}.{attr}" if attr != "Ref" else f"!Ref {lid2}"
            self.report.add(
                lid,
                kind,
                "approximated",
                f"Environment.{name}: {what} ({self.type_of(lid2)}) has no "
                f"wsnb equivalent; the value is the literal {text!r} locally and in synth()/export()",
                change="value",
            )
            return text

        return strip_markers(value, literal)

    def _fake(self, lid: str, attr: str) -> str:
        region, account = self.ev.pseudo["AWS::Region"], self.ev.pseudo["AWS::AccountId"]
        t = self.type_of(lid)
        if t in FUNCTION_TYPES:
            name = self._function_name(lid) or lid
            return f"arn:aws:lambda:{region}:{account}:function:{name}" if attr == "Arn" else name
        if lid == self.api_logical:  # the local API: its id, and the host serve() answers
            from ..local import api_id

            local_id = api_id(self._api_id())
            if attr in ("Ref", "ApiId"):
                return local_id
            return f"wss://{local_id}.execute-api.{region}.{self.ev.pseudo['AWS::URLSuffix']}"
        if t == "AWS::ApiGatewayV2::Stage" and attr == "Ref":
            return str(self.props(lid).get("StageName", lid))
        return f"arn:aws:local:{region}:{account}:{lid}" if attr.endswith("Arn") else lid

    def _attr_ref(self, res: Resource, attr: str, text: str) -> Any:
        if isinstance(res, Table):
            return Ref(res, {"Arn": "table_arn", "StreamArn": "stream_arn"}.get(attr, "table_name"))
        if isinstance(res, Bucket):
            return Ref(res, "bucket_arn" if attr == "Arn" else "bucket_name")
        if isinstance(res, Parameter):
            return res.value if attr == "Value" else Ref(res, "parameter_name")
        return text

    # ------------------------------------------------------------------ code

    def _code_source(
        self, lid: str, kind: str, p: dict[str, Any], handler: str, runtime: str
    ) -> tuple[Path | None, str | None]:
        """(folder holding the code, inline source) for a function."""
        where = f"{lid}.Properties"
        base = self.loaded.base_dir
        meta = self.raw[lid].get("Metadata") or {}
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
            asset = self._assembly_asset(code.get("S3Key"))
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
            folder = self._unzip(lid, folder)
        if not folder.is_dir():
            raise TemplateError(
                f"{where}: code path {str(folder)!r} does not exist.",
                given=str(code if not isinstance(asset, str) else asset),
                fix=f"create it, or pass base_dir= (code paths resolve from {base})",
                path=where,
            )
        if runtime.startswith("python"):
            module, _ = _split_handler(handler)
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

    def _assembly_asset(self, key: Any) -> str | None:
        """The cdk.out folder of a Lambda asset whose S3 object key is ``key``
        (``<hash>.zip``): from the stacks' ``*.assets.json`` manifests, else ``asset.<hash>``."""
        if not isinstance(key, str) or "\x00" in key:
            return None
        import json

        base = self.loaded.base_dir
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

    def _unzip(self, lid: str, archive: Path) -> Path:
        import zipfile

        target = self._tempdir() / f"{lid}.unzipped"
        if not target.is_dir():
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    dest = (target / member).resolve()
                    if target.resolve() not in dest.parents and dest != target.resolve():
                        raise TemplateError(
                            f"{lid}: the code archive has an entry outside itself.", given=member
                        )
                zf.extractall(target)
        self.report.add(
            lid,
            self.type_of(lid),
            "approximated",
            f"code archive {archive.name} unpacked to a private folder",
            change=None,  # synth()/export() ship the same files
        )
        return target

    def _tempdir(self) -> Path:
        if self._temp is None:
            self._temp = Path(tempfile.mkdtemp(prefix="wsnb-template-"))
            atexit.register(shutil.rmtree, self._temp, True)  # private: gone with the process
            os.chmod(self._temp, 0o700)
        return self._temp

    def _root(self) -> Path:
        """The folder every handler path is relative to.

        The template's folder (``base_dir``) when every code folder is inside it with
        handler-friendly names; otherwise a private temp folder holding a link per function
        to its code folder and the files of inline code."""
        base = self.loaded.base_dir

        def ok(folder: Path | None) -> bool:
            if folder is None:
                return False
            try:
                rel = folder.relative_to(base)
            except ValueError:
                return False
            return all(_SEGMENT.match(s) for s in rel.parts)

        code = {lid: c for lid, c in self._code.items() if c != (None, None)}
        if all(inline is None and ok(folder) for folder, inline in code.values()):
            return base
        root = self._tempdir()
        for lid, (folder, inline) in code.items():
            link = root / lid
            if link.exists() or link.is_symlink():
                continue
            if inline is not None:
                link.mkdir()
                info = self._functions[lid]
                module, _ = _split_handler(info.props["handler"])
                suffix = ".py" if info.runtime.startswith("python") else ".js"
                file = link / (module.replace(".", "/").lstrip("/") + suffix)  # inside link
                file.parent.mkdir(parents=True, exist_ok=True)
                file.write_text(inline, encoding="utf-8")
                self.report.add(
                    lid,
                    self.type_of(lid),
                    "read",
                    f"inline code written to a private folder ({link})",
                )
            else:
                try:
                    link.symlink_to(folder, target_is_directory=True)
                except OSError:
                    shutil.copytree(folder, link)
        return root

    @shapes.reads
    def _finish_function(self, lid: str, root: Path, *, keep_name: bool = True) -> dict[str, Any]:
        info = self._functions[lid]
        props = dict(info.props)
        if not keep_name:  # a function serving several routes: its name stays on the first
            props.pop("function_name", None)
        module, func = _split_handler(props.pop("handler"))
        folder, _inline = self._code.get(lid, (None, None))
        if root == self.loaded.base_dir and folder is not None:
            rel = folder.relative_to(root).as_posix()
            prefix = "" if rel == "." else rel + "/"
        else:
            prefix = f"{lid}/"
        text = f"{prefix}{module.replace('.', '/')}.{func}"
        if not info.runtime.startswith("python"):
            text = f"{prefix}{re.sub(r'[^A-Za-z0-9_/.-]', '_', module)}.{re.sub(r'[^A-Za-z0-9_]', '_', func) or 'handler'}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", HandlerFileWarning)
            from ..model import parse_handler

            try:
                handler = parse_handler(text, f"{lid}.Properties.Handler", check_file=False)
            except WsnbError as exc:
                raise TemplateError(
                    f"{lid}.Properties.Handler: {text!r} is not a handler wsnb can run ({exc.message})",
                    given=text,
                    path=f"{lid}.Properties.Handler",
                ) from None
        if not info.runtime.startswith("python"):
            handler = ForeignHandler(
                handler.text, runtime=info.runtime or "unknown", logical_id=lid
            )
        elif info.runtime not in _facts.PYTHON_RUNTIMES:  # e.g. python3.9: shown as declared
            handler = DeclaredRuntimeHandler(handler.text, runtime=info.runtime, logical_id=lid)
        props["handler"] = handler
        return props


def _split_handler(handler: str) -> tuple[str, str]:
    if "." not in handler:
        return handler, "handler"
    module, func = handler.rsplit(".", 1)
    return module, func


def local_python() -> str:
    return f"python{sys.version_info.major}.{sys.version_info.minor}"
