"""``TemplateApi``: the ``WebSocketApi`` that ``from_template`` returns.

It is an ordinary ``WebSocketApi`` (display, lint, serve, show, synth, export) that also keeps
where it came from: ``template_report`` (read / approximated / ignored per resource), the
runtimes of its functions, and the folder its handler paths are relative to, which ``serve()``,
``synth()`` and ``export()`` use.
"""

from __future__ import annotations

import atexit
import contextlib
import html
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

from .._api import WebSocketApi
from .._errors import EmulatorError, SynthError
from ..model import ForeignHandler, foreign_handlers
from ._functions import local_python
from ._report import CHANGES, TemplateReport

_CWD_LOCK = threading.RLock()


class TemplateSynthWarning(UserWarning):
    """synth()/export()/to_cdk() of an imported API differ from its template (grants, values,
    runtimes, settings or items wsnb cannot express); the result's warnings list each."""


#: The lint code (and synth/export warning code) of each place where the output of an API
#: read from a template differs from that template.
DIFFERENCE_CODE = "template-approximated"

_COUNTED = {  # how the warning counts each kind of difference
    "grant": "grant(s)",
    "value": "value(s)",
    "runtime": "runtime(s)",
    "setting": "setting(s)",
    "left out": "item(s) left out",
    "resource": "resource(s) not in the output",
}
_FIXES = {
    "grant": "compare the function's role in the synthesized template with the template's; add "
    "a missing grant with api.attach_permissions_to_route(...), or deploy the original template",
    "value": "set the real value before deploying (the handler reads it), or deploy the "
    "original template",
    "runtime": "check that the handler runs on that runtime, or deploy the original template",
    "setting": "check the setting in the synthesized template, or deploy the original template",
    "left out": "add it to the exported CDK app (api.export(...)), or deploy the original template",
    "resource": "deploy it with the original template (or add it to the exported CDK app)",
}


class TemplateApi(WebSocketApi):
    """A ``WebSocketApi`` read from a CloudFormation/SAM template or a cdk.out folder."""

    template_report: TemplateReport
    template_origin: str
    template_root: Path
    template_stage: str
    template_api_host: str  # "{}.execute-api.<region>.amazonaws.com" ({} = the API id)
    template_region: str  # what AWS::Region resolved to (from_template's region=)
    template_account: str  # what AWS::AccountId resolved to (from_template's account=)
    runtimes: dict[str, str]  # function logical id -> runtime
    route_functions: dict[str, str]  # route key -> function logical id
    loaded_spec: Any  # the model as read from the template

    def copy(self) -> TemplateApi:
        """A copy that still knows its template (report, code folder, stage)."""
        new = object.__new__(type(self))
        new.__dict__.update(
            {k: v for k, v in self.__dict__.items() if k not in ("_spec", "_observers")}
        )
        new._spec = self._spec
        new._observers = []
        return new

    # ------------------------------------------------------------------ what it cannot run

    def foreign_functions(self) -> dict[str, str]:
        """Functions with a non-Python runtime (logical id → runtime): shown, never run."""
        return foreign_handlers(self._spec)

    def check_runnable(self) -> None:
        """Raise a ``WsnbError`` naming every function the emulator cannot run (and its runtime)."""
        foreign = self.foreign_functions()
        if foreign:
            names = ", ".join(f"{lid} ({rt})" for lid, rt in foreign.items())
            raise EmulatorError(
                f"serve() runs Python handlers only; this API uses {names}.",
                given=foreign,
                allowed="functions with a python3.x Runtime",
                fix="port those handlers to Python, or serve the routes that use Python only "
                "(remove the others with a new WebSocketApi)",
            )

    # ------------------------------------------------------------------ the heavy parts

    def serve(
        self, port: int = 0, host: str = "127.0.0.1", stage: str | None = None, **options: Any
    ) -> Any:
        """Run the API locally; handler paths resolve from the template's folder (``root``),
        the stage defaults to the template's stage name, and ``region``/``account`` to those
        the template was read with (``from_template(region=..., account=...)``), so handlers
        see the same region, tables and ARNs as the values resolved into their environment."""
        self.check_runnable()
        options.setdefault("root", str(self.template_root))
        options.setdefault("region", self.template_region)
        options.setdefault("account", self.template_account)
        server = super().serve(port=port, host=host, stage=stage or self.template_stage, **options)
        _answer_deployed_host(server, self.template_api_host.format(server.api_id))
        return server

    def _check_synth(self, what: str) -> None:
        foreign = self.foreign_functions()
        if foreign:
            names = ", ".join(f"{lid} ({rt})" for lid, rt in foreign.items())
            raise SynthError(
                f"{what} builds Python functions only; this API uses {names}.",
                given=foreign,
                allowed="functions with a python3.x Runtime",
                fix="deploy the original template for those functions, or port them to Python",
            )
        differences = self.template_report.differences
        if differences:
            counts: dict[str, int] = {}
            for e in differences:
                counts[_COUNTED[e.change]] = counts.get(_COUNTED[e.change], 0) + 1
            where = {
                "to_cdk()": "they are listed below and in api.lint()",
                "export()": "the result's warnings and the app's README.md list each "
                "(also api.lint())",
            }.get(what, "the result's warnings list each (also api.lint())")
            lines = [self._difference_text(e) for e in differences] if what == "to_cdk()" else []
            warnings.warn(
                f"{what}: the output differs from {self.template_origin} in "
                f"{len(differences)} place(s) ("
                + ", ".join(f"{n} {kind}" for kind, n in counts.items())
                + f"); {where}."
                + "".join(f"\n  {line}" for line in lines),
                TemplateSynthWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------------ where the output differs

    def _where(self, logical_id: str) -> str:
        """The routes (or the authorizer) a function serves; "" for other resources."""
        keys = [key for key, lid in self.route_functions.items() if lid == logical_id]
        if keys:
            return ("route " if len(keys) == 1 else "routes ") + ", ".join(repr(k) for k in keys)
        if logical_id in self.runtimes:
            return "authorizer"
        return ""

    def _difference_text(self, entry: Any) -> str:
        """``grant differs: F (route '$default'): Policies[0]: ...``; a resource that is not a
        route's function is named with its type: ``not in the output: Q (AWS::SQS::Queue): ...``."""
        where = self._where(entry.logical_id) or entry.type
        return f"{CHANGES[entry.change]}: {entry.logical_id} ({where}): {entry.note}"

    def _difference_findings(self) -> list[Any]:
        """One lint warning per place where synth()/export() differ from the template."""
        from .._lint import Finding

        return [
            Finding("warning", DIFFERENCE_CODE, self._difference_text(e), _FIXES[e.change])
            for e in self.template_report.differences
            if self._still_true(e.logical_id)
        ]

    def _still_true(self, logical_id: str) -> bool:
        """A difference about a route's function (or the authorizer's) holds while at least one
        route it serves (or the authorizer) is as it was read; once the user replaced or removed
        them, what the output does there is the user's model, not the template's."""
        loaded = getattr(self, "loaded_spec", None)
        if loaded is None:
            return True
        keys = [key for key, lid in self.route_functions.items() if lid == logical_id]
        if keys:
            now = {r.key: r for r in self._spec.routes}
            then = {r.key: r for r in loaded.routes}
            same_defaults = self._spec.defaults == loaded.defaults
            return same_defaults and any(key in now and now[key] == then.get(key) for key in keys)
        if logical_id in self.runtimes:  # the authorizer's function
            return self._spec.authorizer == loaded.authorizer
        return True

    def _output_notes(self) -> list[str]:
        from ..plan import SynthNote

        return [SynthNote.note(**f.to_dict()) for f in self._difference_findings()]

    def synth(self, *args: Any, **kwargs: Any) -> Any:
        self._check_synth("synth()")
        with self._in_root(copy_links=True):
            return super().synth(*args, **kwargs)

    def export(self, path: Any, *args: Any, **kwargs: Any) -> Any:
        self._check_synth("export()")
        path = Path(path).expanduser().resolve()
        with self._in_root(copy_links=True):
            return super().export(path, *args, **kwargs)

    def to_cdk(self, scope: Any, id: str | None = None) -> Any:
        self._check_synth("to_cdk()")
        with self._in_root(copy_links=True):
            return super().to_cdk(scope, id)

    @contextlib.contextmanager
    def _in_root(self, *, copy_links: bool = False):
        """Handler files are read relative to the working directory: use the template's
        folder for the duration of the call (restored afterwards). With ``copy_links`` (synth,
        export), a private root that links to code folders is copied first: synth ships only
        files that are really inside the project."""
        root = self.template_root
        if copy_links and any(p.is_symlink() for p in root.iterdir()):
            copied = Path(tempfile.mkdtemp(prefix="wsnb-template-synth-"))
            atexit.register(shutil.rmtree, copied, True)
            shutil.copytree(root, copied / "root", ignore=shutil.ignore_patterns("__pycache__"))
            root = copied / "root"
        with _CWD_LOCK:
            old = os.getcwd()
            os.chdir(root)
            try:
                yield
            finally:
                os.chdir(old)

    def lint(self) -> list[Any]:
        from .._lint import LEVELS, Finding

        with self._in_root():  # handler files are checked relative to the template's folder
            findings = list(super().lint())
        foreign_files = {
            fn.handler.file
            for fn in self._spec.functions()
            if isinstance(fn.handler, ForeignHandler)
        }
        findings = [  # a Node/Java/... handler has no .py file, and needs none to be shown
            f
            for f in findings
            if not (f.code == "handler-file-missing" and any(x in f.message for x in foreign_files))
        ]
        here = local_python()
        for lid, rt in sorted(self.runtimes.items()):
            if rt.startswith("python") and rt != here:
                findings.append(
                    Finding(
                        "info",
                        "template-runtime",
                        f"{lid} declares {rt}; locally it runs on this interpreter ({here}).",
                        f"run the notebook on {rt} for an exact match, or ignore",
                    )
                )
        for lid, rt in self.foreign_functions().items():
            findings.append(
                Finding(
                    "warning",
                    "template-foreign-runtime",
                    f"{lid} runs on {rt}: it is shown, but serve() and synth() refuse it.",
                    "port the handler to Python to run it locally",
                )
            )
        findings.extend(self._difference_findings())
        quiet = [e for e in self.template_report.ignored if e.change is None]
        if quiet:  # not read, and nothing lost: wsnb makes its own (invoke permissions, ...)
            findings.append(
                Finding(
                    "info",
                    "template-ignored",
                    f"{len(quiet)} template item(s) were not read into the model (wsnb makes "
                    "its own, or they are not deployed); see api.template_report.",
                    "print(api.template_report)",
                )
            )
        return sorted(findings, key=lambda f: LEVELS.index(f.level))

    # ------------------------------------------------------------------ display

    def _note_text(self) -> str:
        r = self.template_report
        lines = [
            f"From template {self.template_origin} (API {r.api_id}): "
            f"{len(r.read)} read, {len(r.approximated)} approximated, {len(r.ignored)} ignored "
            "— see api.template_report"
        ]
        for key, lid in self.route_functions.items():
            lines.append(f"  {key}: {lid} ({self.runtimes.get(lid, '?')})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        with self._in_root():  # the table's lint summary checks handler files from there
            text = super().__repr__()
        return text + "\n" + self._note_text()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        with self._in_root():
            bundle = dict(super()._repr_mimebundle_(include, exclude))
        r = self.template_report
        rows = "".join(
            f"<tr><td><code>{html.escape(key)}</code></td><td><code>{html.escape(lid)}</code></td>"
            f"<td>{html.escape(self.runtimes.get(lid, '?'))}</td>"
            f"<td>{'yes' if self.runtimes.get(lid, '').startswith('python') else 'no (not Python)'}</td></tr>"
            for key, lid in self.route_functions.items()
        )
        note = (
            "<div class='wsnb-template-note' style='font-size:0.9em;margin:0.3em 0;"
            "color:var(--jp-ui-font-color1,#333)'>"
            f"From template <code>{html.escape(self.template_origin)}</code> "
            f"(API <code>{html.escape(r.api_id)}</code>): {len(r.read)} read, "
            f"{len(r.approximated)} approximated, {len(r.ignored)} ignored — see "
            "<code>api.template_report</code>."
            "<table><thead><tr><th>route</th><th>function</th><th>runtime</th>"
            f"<th>runs locally</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
        if "text/html" in bundle:
            bundle["text/html"] = note + bundle["text/html"]
        if "text/plain" in bundle:
            bundle["text/plain"] = bundle["text/plain"] + "\n" + self._note_text()
        return bundle


def _answer_deployed_host(server: Any, host: str) -> None:
    """Let handlers that build the management client from the template's own URL
    (``https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Stage}``, resolved with the
    local API id) reach this server too: the same in-process answer as for its domainName,
    removed when the server stops. Nothing leaves the machine."""
    from ..local import register_api, unregister_api

    served = getattr(server, "_api_answer", None)
    if served is None:
        return

    def answer(method: str, url: str, body: bytes) -> Any:
        parts = url.split("/", 4)  # https:, '', host, stage, rest: the template's stage name
        if len(parts) > 3:  # may differ from the one served (wsnb serve --stage dev)
            parts[3] = server.stage
        return served(method, "/".join(parts), body)

    register_api(host, answer)
    stop = server.stop

    def stop_and_forget(*args: Any, **kwargs: Any) -> Any:
        try:
            return stop(*args, **kwargs)
        finally:
            unregister_api(host, answer)

    server.stop = stop_and_forget
