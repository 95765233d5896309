"""TARGET: where the CLI finds a ``WebSocketApi``.

Forms (``:variable`` is optional; without it the single ``WebSocketApi`` defined is taken):

- ``pkg.module:api`` — imported like ``python -m`` would (the current directory is on
  ``sys.path``); relative handler paths are read from the current directory.
- ``path/to/app.py:api`` — run as a fresh module; the working directory is the file's folder.
- ``template.yaml[:LogicalId]`` or ``cdk.out[:LogicalId]`` — a CloudFormation/SAM template
  (``.yaml``/``.yml``/``.json``/``.template``) or a CDK cloud assembly, read with
  ``WebSocketApi.from_template`` (``--parameter NAME=VALUE`` overrides its Parameters); the
  working directory is the template's folder (the cdk.out folder itself).
- ``path/to/notebook.ipynb:api`` — its code cells run in order in one namespace, with IPython
  magics translated when IPython is installed; the working directory is the notebook's folder.
  ``WSNB_CLI=1`` is set in the environment while a target loads, so cells can skip what only
  makes sense in Jupyter. Skipped: cells tagged ``wsnb-skip``, cells that call
  ``.serve(``/``.show(`` or use top-level ``await``, and cells that read a name only a skipped
  cell defined. A cell saved with an error output (or tagged ``raises-exception``) may raise.

The working directory stays at that folder while the command runs (synth, serve and export read
handler files relative to it) and is restored afterwards.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import difflib
import importlib
import importlib.util
import json
import linecache
import os
import re
import sys
import traceback
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .._api import WebSocketApi
from .._errors import WsnbError
from ._errors import TargetError

ENV_FLAG = "WSNB_CLI"
SKIP_TAG = "wsnb-skip"
FORMS = "pkg.module[:variable], path/to/file.py[:variable] or path/to/notebook.ipynb[:variable]"
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_SKIP_CALLS = ("serve", "show")


@dataclass(frozen=True)
class Target:
    """A parsed TARGET string."""

    text: str
    kind: Literal["module", "file", "notebook", "template"]
    location: str
    name: str | None
    path: Path | None = None  # absolute, for files and notebooks (resolved before any chdir)

    @property
    def directory(self) -> Path | None:
        """The working directory while loading and running (None: keep the current one)."""
        if self.kind == "template" and self.path is not None and self.path.is_dir():
            return self.path  # a cdk.out folder: its asset folders are relative to it
        return None if self.path is None else self.path.parent


def parse_target(text: str) -> Target:
    """Split ``TARGET`` into its kind, location and optional variable name."""
    raw = text.strip()
    location, name = raw, None
    if ":" in raw:
        head, _, tail = raw.rpartition(":")
        if not (len(head) == 1 and head.isalpha() and tail.startswith(("\\", "/"))):  # C:\x.py
            location, name = head, tail
            if not tail.isidentifier():
                raise TargetError(
                    f"TARGET {text!r} has a bad variable name {tail!r} after ':'.",
                    given=text,
                    allowed=FORMS,
                    fix=f"name a Python variable, e.g. {head or 'app.py'}:api",
                )
    if not location:
        raise TargetError(
            f"TARGET {text!r} names no module, file or notebook.",
            given=text,
            allowed=FORMS,
            fix="e.g. wsnb routes app.py:api",
        )
    if _is_template(location):  # a CloudFormation/SAM template file or a cdk.out folder
        return Target(text, "template", location, name, Path(location).resolve())
    if location.endswith(".ipynb"):
        kind: Literal["module", "file", "notebook", "template"] = "notebook"
    elif (
        location.endswith(".py")
        or "/" in location
        or os.sep in location
        or Path(location).is_file()
    ):
        kind = "file"
    elif _MODULE.match(location):
        kind = "module"
    else:
        raise TargetError(
            f"TARGET {text!r} is neither a Python module name nor a .py or .ipynb path.",
            given=text,
            allowed=FORMS,
            fix="e.g. wsnb routes app.py:api  or  wsnb routes mypkg.api:api",
        )
    if kind != "module" and not Path(location).is_file():
        raise TargetError(
            f"TARGET file {location!r} does not exist (looked in {os.getcwd()!r}).",
            given=text,
            allowed=FORMS,
            fix="check the path; it is relative to the current directory",
        )
    path = None if kind == "module" else Path(location).resolve()
    return Target(text=text, kind=kind, location=location, name=name, path=path)


@contextlib.contextmanager
def working_directory(path: Path | None) -> Iterator[None]:
    """chdir into ``path`` for the duration (no-op for None)."""
    if path is None:
        yield
        return
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@contextlib.contextmanager
def open_target(text: str, parameters: Any = None) -> Iterator[WebSocketApi]:
    """Load TARGET and yield its API, with the working directory set for the command's run.

    Whatever the target's code prints while loading goes to stderr, so stdout stays clean for
    the command's own output (``wsnb synth app.py > template.json``). ``parameters``
    (``[(name, value)]``; default: the command line's ``--parameter`` values, see
    :func:`template_parameters`) override a template TARGET's Parameters."""
    if parameters is None:
        parameters = _PARAMETERS.get()
    target = parse_target(text)
    if parameters and target.kind != "template":
        raise TargetError(
            "--parameter applies to a template TARGET (a .yaml/.json template or a cdk.out folder).",
            given=[f"{k}={v}" for k, v in parameters],
            fix="remove --parameter, or point TARGET at a template",
        )
    with working_directory(target.directory), _env_flag():
        with contextlib.redirect_stdout(sys.stderr):
            api = load_api(target, dict(parameters or ()))
        yield api


_PARAMETERS: contextvars.ContextVar[tuple[tuple[str, str], ...]] = contextvars.ContextVar(
    "wsnb_cli_template_parameters", default=()
)


@contextlib.contextmanager
def template_parameters(values: Any) -> Iterator[None]:
    """The ``--parameter NAME=VALUE`` values every :func:`open_target` of this command uses."""
    token = _PARAMETERS.set(tuple(values or ()))
    try:
        yield
    finally:
        _PARAMETERS.reset(token)


def _is_template(location: str) -> bool:
    from ..template import looks_like_template

    return looks_like_template(location)


def load_api(target: Target, parameters: dict[str, str] | None = None) -> WebSocketApi:
    """Run/import the target (in the current directory) and pick its WebSocketApi."""
    if target.kind == "template":
        from ..template import from_template

        return from_template(target.path, api=target.name, parameters=parameters or None)
    if target.kind == "module":
        namespace = _import_module(target)
    elif target.kind == "file":
        namespace = _run_file(target)
    else:
        namespace = _run_notebook(target)
    return pick_api(namespace, target)


def pick_api(namespace: dict[str, Any], target: Target) -> WebSocketApi:
    """The API called ``target.name``, or the only one defined."""
    found: dict[str, WebSocketApi] = {}
    for key, value in namespace.items():
        fresh = not any(value is seen for seen in found.values())
        if isinstance(value, WebSocketApi) and not key.startswith("_") and fresh:
            found[key] = value
    where = target.location
    if target.name is not None:
        if target.name not in namespace:
            close = difflib.get_close_matches(target.name, list(found) or list(namespace), n=1)
            hint = f"did you mean {where}:{close[0]}?" if close else _candidates_fix(found, where)
            raise TargetError(
                f"{where} defines no variable {target.name!r}.",
                given=target.text,
                allowed=_candidates(found),
                fix=hint,
            )
        value = namespace[target.name]
        if not isinstance(value, WebSocketApi):
            raise TargetError(
                f"{where}:{target.name} is a {type(value).__name__}, not a WebSocketApi.",
                given=target.text,
                allowed=_candidates(found),
                fix=_candidates_fix(found, where),
            )
        return value
    if len(found) == 1:
        return next(iter(found.values()))
    if not found:
        raise TargetError(
            f"{where} defines no WebSocketApi.",
            given=target.text,
            fix=f'define one at top level, e.g. api = WebSocketApi("Api"), then use {where}:api',
        )
    raise TargetError(
        f"{where} defines {len(found)} WebSocketApi objects ({', '.join(found)}); say which one.",
        given=target.text,
        allowed=_candidates(found),
        fix=_candidates_fix(found, where),
    )


def _candidates(found: dict[str, WebSocketApi]) -> str:
    return ", ".join(found) if found else "(no WebSocketApi defined)"


def _candidates_fix(found: dict[str, WebSocketApi], where: str) -> str:
    if not found:
        return f'define one at top level: api = WebSocketApi("Api"), then use {where}:api'
    return "use " + " or ".join(f"{where}:{name}" for name in found)


@contextlib.contextmanager
def _env_flag() -> Iterator[None]:
    before = os.environ.get(ENV_FLAG)
    os.environ[ENV_FLAG] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ENV_FLAG, None)
        else:
            os.environ[ENV_FLAG] = before


# ---------------------------------------------------------------------- modules and files


def _import_module(target: Target) -> dict[str, Any]:
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        spec = importlib.util.find_spec(target.location)
    except (ImportError, ValueError):
        spec = None
    except Exception as exc:  # a parent package failed while importing
        raise _user_code_error(target, exc) from exc
    if spec is None:
        raise TargetError(
            f"No Python module named {target.location!r} (searched the current directory and sys.path).",
            given=target.text,
            allowed=FORMS,
            fix=f"run from the folder that holds it, or pass a file path such as {target.location.replace('.', '/')}.py",
        )
    try:
        module = importlib.import_module(target.location)
    except WsnbError:
        raise
    except (Exception, SystemExit) as exc:
        raise _user_code_error(target, exc) from exc
    return vars(module)


def _run_file(target: Target) -> dict[str, Any]:
    assert target.path is not None
    path = target.path
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = f"__wsnb_target_{re.sub(r'[^A-Za-z0-9_]', '_', path.stem)}__"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(
            f"{target.location!r} cannot be loaded as Python.", given=target.text, allowed=FORMS
        )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses, pickling and inspect look modules up here
    try:
        spec.loader.exec_module(module)
    except WsnbError:
        raise
    except (Exception, SystemExit) as exc:
        raise _user_code_error(target, exc) from exc
    return vars(module)


def _user_code_error(target: Target, exc: BaseException) -> TargetError:
    where = _user_frame(exc, target)
    what = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}".rstrip(
        ": "
    )
    err = TargetError(
        f"Loading {target.location} failed{where}: {what}",
        given=target.text,
        fix=f"fix the error in {target.location}, or rerun with --traceback for the full traceback",
    )
    err.exit_code = 1  # the target was found; its code is what failed
    return err


def _user_frame(exc: BaseException, target: Target) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    name = Path(target.location).name
    for frame in reversed(frames):
        if frame.filename.startswith(f"<{name} cell "):
            return f" in {frame.filename[1:-1]}, line {frame.lineno}"
        if target.kind != "module" and Path(frame.filename).name == name:
            return f" at line {frame.lineno}"
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f" at line {exc.lineno}"
    return ""


# ---------------------------------------------------------------------- notebooks


@dataclass(frozen=True)
class _Cell:
    number: int  # 1-based among code cells, as a reader counts them
    source: str
    tagged_skip: bool
    expect_error: bool  # tagged raises-exception, or saved with an error output


def _run_notebook(target: Target) -> dict[str, Any]:
    """Run the code cells in order in one module namespace.

    Skipped: cells tagged ``wsnb-skip``, cells that call ``.serve(``/``.show(`` or await at top
    level, and cells that read a name only such a skipped cell defined. Cells saved with an error
    (or tagged ``raises-exception``) may raise; the run goes on, as in Jupyter."""
    assert target.path is not None
    path = target.path
    cells = _code_cells(path, target)
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module = types.ModuleType("__wsnb_notebook__", f"Code cells of {path.name}")
    module.__dict__["__file__"] = str(path)
    module.__dict__["get_ipython"] = _NoShell
    sys.modules[module.__name__] = module
    transform = _transformer()
    skipped_names: set[str] = set()  # bound by skipped cells and not rebound since
    for cell in cells:
        filename = f"<{path.name} cell {cell.number}>"
        code_text = transform(cell.source)
        bound, loaded = _names(code_text)
        reason = "tagged wsnb-skip" if cell.tagged_skip else _skip_reason(code_text)
        if reason is None and loaded & skipped_names:
            reason = f"it uses {', '.join(sorted(loaded & skipped_names))} from a skipped cell"
        if reason:
            if not cell.tagged_skip:
                print(f"wsnb: skipped {path.name} cell {cell.number} ({reason})", file=sys.stderr)
            skipped_names |= bound
            continue
        skipped_names -= bound
        linecache.cache[filename] = (len(code_text), None, code_text.splitlines(True), filename)
        try:
            code = compile(code_text, filename, "exec", dont_inherit=True)
            exec(code, module.__dict__)
        except (Exception, SystemExit) as exc:
            if cell.expect_error:
                print(
                    f"wsnb: {path.name} cell {cell.number} raised {type(exc).__name__}, as saved",
                    file=sys.stderr,
                )
                continue
            if isinstance(exc, WsnbError):
                raise
            raise _user_code_error(target, exc) from exc
    return module.__dict__


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names a cell binds, names it reads before binding them); empty when it does not parse."""
    try:
        tree = _parse_await(source)
    except SyntaxError:
        return set(), set()
    events: list[tuple[int, int, str, bool]] = []  # (line, column, name, is_binding)
    for node in ast.walk(tree):
        where = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        if isinstance(node, ast.Name):
            events.append((*where, node.id, not isinstance(node.ctx, ast.Load)))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            events.append((*where, node.name, True))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            events.extend((*where, (a.asname or a.name).split(".")[0], True) for a in node.names)
    bound: set[str] = set()
    free: set[str] = set()
    for _line, _col, name, binding in sorted(events):
        if binding:
            bound.add(name)
        elif name not in bound:
            free.add(name)
    return bound, free


_RAISES_TAGS = {"raises-exception", "nbval-raises-exception"}


def _code_cells(path: Path, target: Target) -> list[_Cell]:
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TargetError(
            f"{target.location} is not a readable Jupyter notebook ({type(exc).__name__}: {exc}).",
            given=target.text,
            allowed="an nbformat 4 .ipynb file",
            fix="open and save it in Jupyter, or point at a .py file",
        ) from None
    out: list[_Cell] = []
    number = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        tags = set((cell.get("metadata") or {}).get("tags") or [])
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        outputs = cell.get("outputs") or []
        expect_error = (
            bool(tags & _RAISES_TAGS)
            or "# NBVAL_RAISES_EXCEPTION" in text
            or any(isinstance(o, dict) and o.get("output_type") == "error" for o in outputs)
        )
        out.append(_Cell(number, text, SKIP_TAG in tags, expect_error))
    return out


def _transformer():
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # plain Python cells still work without IPython
        return lambda source: source
    manager = TransformerManager()
    return manager.transform_cell


def _skip_reason(source: str) -> str | None:
    """Why a cell is skipped: it calls ``.serve(``/``.show(`` or awaits at top level."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        try:
            _parse_await(source)
        except SyntaxError:
            return None  # let compile() report it with the cell's name
        return "it uses top-level await"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _SKIP_CALLS
        ):
            return f"it calls .{node.func.attr}()"
    return "it uses top-level await" if _awaits_at_top_level(tree) else None


def _parse_await(source: str) -> ast.Module:
    """``ast.parse`` that also accepts top-level ``await`` (as IPython does)."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    return compile(source, "<cell>", "exec", flags=flags, dont_inherit=True)


def _awaits_at_top_level(node: ast.AST) -> bool:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(child, (ast.Await, ast.AsyncWith, ast.AsyncFor)) or _awaits_at_top_level(
            child
        ):
            return True
    return False


class _NoShell:
    """What ``get_ipython()`` returns while the CLI runs a notebook: magics are no-ops, except
    cell magics that just wrap code (``%%time``, ``%%capture``), whose body runs."""

    def __init__(self) -> None:
        pass

    def run_line_magic(self, name: str, line: str, *args: Any, **kwargs: Any) -> None:
        return None

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        if name in ("time", "capture", "timeit", "prun"):
            frame = sys._getframe(1)
            exec(compile(cell, frame.f_code.co_filename, "exec"), frame.f_globals)

    def system(self, *args: Any, **kwargs: Any) -> None:
        return None

    def getoutput(self, *args: Any, **kwargs: Any) -> list[str]:
        return []
