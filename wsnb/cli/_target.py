"""TARGET: where the CLI finds a ``WebSocketApi``.

Forms (``:variable`` is optional; without it the single ``WebSocketApi`` defined is taken):

- ``pkg.module:api`` — imported like ``python -m`` would (the current directory is on
  ``sys.path``); relative handler paths are read from the current directory.
- ``path/to/app.py:api`` — run as a fresh module; the working directory is the file's folder.
- ``template.yaml[:LogicalId]`` or ``cdk.out[:LogicalId]`` — a CloudFormation/SAM template
  (``.yaml``/``.yml``/``.json``/``.template``) or a CDK cloud assembly, read with
  ``WebSocketApi.from_template`` (``--parameter NAME=VALUE`` overrides its Parameters); the
  API's root is the template's folder (the cdk.out folder itself), and the working directory
  stays where it is.
- ``path/to/notebook.ipynb:api`` — what builds the model runs, statement by statement, in one
  namespace, with IPython magics translated when IPython is installed; the working directory is
  the notebook's folder. Serving, showing, synthesizing, exporting, the CDK, processes and
  top-level ``await`` are skipped, and cell output is not echoed (``-v`` shows it): the exact
  rule is in :mod:`wsnb.cli._notebook`. ``WSNB_CLI=1`` is set in the environment while a target
  loads, so cells can also skip what only makes sense in Jupyter.

For files and notebooks, the working directory stays at that folder while the command runs
(synth, serve and export read handler files relative to it, unless the API sets its own root)
and is restored afterwards. This is the CLI's own process state: the library never changes it.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import importlib
import importlib.util
import json
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
from ._notebook import SKIP_TAG, Cell, CellError, run_cells

ENV_FLAG = "WSNB_CLI"
FORMS = (
    "pkg.module[:variable], path/to/file.py[:variable], path/to/notebook.ipynb[:variable], "
    "template.yaml[:LogicalId] or cdk.out[:LogicalId]"
)
#: the TARGET argument's help, the same for every command
TARGET_HELP = "module:var, file.py:var, notebook.ipynb:var, template.yaml[:Id] or cdk.out[:Id]"
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


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
        """The working directory while loading and running (None: keep the current one). A
        template needs none: the API read from it carries its folder as its root."""
        if self.kind == "template":
            return None
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
    if _template_suffix(location) and not Path(location).exists():
        raise TargetError(
            f"Template {location!r} does not exist.",
            given=text,
            allowed=FORMS,
            fix="check the path (relative to the current directory)",
        )
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


_TEMPLATE_ENV: contextvars.ContextVar[tuple[str | None, str | None]] = contextvars.ContextVar(
    "wsnb_cli_template_environment", default=(None, None)
)


@contextlib.contextmanager
def template_environment(region: str | None, account: str | None) -> Iterator[None]:
    """The ``--region``/``--account`` a template TARGET is read with (its ``AWS::Region`` and
    ``AWS::AccountId``), as ``from_template(region=..., account=...)`` takes them."""
    token = _TEMPLATE_ENV.set((region, account))
    try:
        yield
    finally:
        _TEMPLATE_ENV.reset(token)


def _template_suffix(location: str) -> bool:
    from ..template import TEMPLATE_SUFFIXES

    return Path(location).suffix.lower() in TEMPLATE_SUFFIXES


def _is_template(location: str) -> bool:
    from ..template import looks_like_template

    return looks_like_template(location)


def load_api(target: Target, parameters: dict[str, str] | None = None) -> WebSocketApi:
    """Run/import the target (in the current directory) and pick its WebSocketApi."""
    if target.kind == "template":
        from ..template import ApiChoiceError

        region, account = _TEMPLATE_ENV.get()
        try:
            return WebSocketApi.from_template(
                target.path,
                api=target.name,
                parameters=parameters or None,
                region=region,
                account=account,
            )
        except ApiChoiceError as exc:  # the TARGET names no (or no single) API: a usage error
            raise TargetError(
                exc.message, given=exc.given, allowed=exc.allowed, fix=exc.fix
            ) from exc
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


def _run_notebook(target: Target) -> dict[str, Any]:
    """Run what builds the model from the code cells, in one module namespace; the rule for what
    is skipped is in :mod:`wsnb.cli._notebook`."""
    assert target.path is not None
    path = target.path
    cells = _code_cells(path, target)
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module = types.ModuleType("__wsnb_notebook__", f"Code cells of {path.name}")
    module.__dict__["__file__"] = str(path)
    module.__dict__["get_ipython"] = _NoShell
    module.__dict__["display"] = _no_display  # IPython's builtin: nothing to show on a terminal
    sys.modules[module.__name__] = module
    try:
        run_cells(cells, module.__dict__, path.name, _transformer())
    except CellError as failed:
        if isinstance(failed.error, WsnbError):
            raise failed.error from None
        raise _user_code_error(target, failed.error) from failed.error
    return module.__dict__


_RAISES_TAGS = {"raises-exception", "nbval-raises-exception"}


def _code_cells(path: Path, target: Target) -> list[Cell]:
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
    out: list[Cell] = []
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
        out.append(Cell(number, text, SKIP_TAG in tags, expect_error))
    return out


def _transformer():
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # plain Python cells still work without IPython
        return lambda source: source
    manager = TransformerManager()
    return manager.transform_cell


def _no_display(*objects: Any, **kwargs: Any) -> None:
    """``display(...)`` while the CLI runs a notebook: shows nothing."""


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
