"""What an API read from a template does differently: lint, synth/export checks, serve defaults.

``WebSocketApi.from_template`` returns an ordinary ``WebSocketApi`` holding the model and a
:class:`~wsnb.template.TemplateOrigin`; when an API has an origin, the facade calls these
functions with ``(spec, origin)``. None of them changes the API or any process-wide state.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .. import _facts
from .._errors import EmulatorError, SynthError
from .._lint import LEVELS, Finding
from .._user_frames import warn
from ..model import ApiSpec, ForeignHandler, LambdaAuthorizer, foreign_handlers
from ._advice import in_template_terms
from ._functions import local_python
from ._origin import TemplateOrigin
from ._report import CHANGES, Entry


class TemplateSynthWarning(UserWarning):
    """synth()/export()/to_cdk() of an imported API differ from its template (grants, values,
    runtimes, settings or items wsnb cannot express); the result's warnings list each."""


#: The lint code (and synth/export warning code) of each place where the output of an API
#: read from a template differs from that template.
DIFFERENCE_CODE = "template-approximated"
#: The synth/export warning code of the routes left out of the output (not Python functions).
LEFT_OUT_CODE = "template-route-left-out"

_COUNTED = {  # how the warning counts each kind of difference
    "grant": "grant(s)",
    "value": "value(s)",
    "runtime": "runtime(s)",
    "setting": "setting(s)",
    "left out": "item(s) left out",
    "resource": "resource(s) not in the output",
}
#: The same advice in command-line words (``TARGET``: the CLI's TARGET), where it differs.
_CLI_FIXES = {
    "grant": "compare the function's role in the output of wsnb synth TARGET with the "
    "template's, or deploy the original template",
    "setting": "check the setting in the output of wsnb synth TARGET, or deploy the original "
    "template",
    "left out": "add it to the CDK app that wsnb export TARGET DIR writes, or deploy the "
    "original template",
    "resource": "deploy it with the original template (or add it to the CDK app that wsnb "
    "export TARGET DIR writes)",
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


# ---------------------------------------------------------------------- what it cannot run


def check_runnable(spec: ApiSpec) -> None:
    """Raise a ``WsnbError`` naming every function the emulator cannot run (and its runtime):
    Node.js functions run (SPEC §8); Java, Go, .NET, Ruby and custom runtimes do not."""
    foreign = {
        lid: rt
        for lid, rt in foreign_handlers(spec).items()
        if _facts.runtime_family(rt) != "nodejs"
    }
    if foreign:
        names = ", ".join(f"{lid} ({rt})" for lid, rt in foreign.items())
        err = EmulatorError(
            f"serve() runs Python and Node.js handlers only; this API uses {names}.",
            given=foreign,
            allowed="functions with a python3.x or nodejs*.x Runtime",
            fix="port those handlers to Python or Node.js, or serve the routes that use them "
            "only (remove the others with a new WebSocketApi)",
        )
        err.cli_fix = (  # type: ignore[attr-defined]
            "port those functions to Python or Node.js (their Runtime and code) in the "
            "template, or remove their routes from it"
        )
        raise err


def left_out_routes(spec: ApiSpec) -> dict[str, str]:
    """``{route key: "LogicalId (runtime)"}`` of the routes whose function synth cannot build:
    a function read from a template on a runtime other than Python (wsnb builds handler files
    of its own models, not a template's Node.js or Java code)."""
    return {
        fn.route_key: f"{fn.handler.logical_id or fn.route_key} ({fn.handler.runtime})"
        for fn in spec.functions()
        if isinstance(fn.handler, ForeignHandler)
    }


def _left_out_text(left: dict[str, str]) -> str:
    routes = ", ".join(f"{key!r} ({function})" for key, function in left.items())
    return (
        f"left out route(s) {routes}: wsnb builds Python functions of a template only, so "
        "the output has neither the route nor its function"
    )


_LEFT_OUT_FIX = "deploy the original template for those routes, or port their functions to Python"
_LEFT_OUT_CLI_FIX = (
    "deploy the original template for those routes, or set their functions' Runtime to "
    "Python (and port the code) in the template"
)


def output_spec(spec: ApiSpec, origin: TemplateOrigin, what: str) -> ApiSpec:
    """The model ``synth()``/``export()``/``to_cdk()`` (``what``) build: the routes whose
    function is not Python are left out, with a warning naming them (an authorizer that is not
    Python is refused: leaving it out would open ``$connect`` to everyone); and a warning once
    (:class:`TemplateSynthWarning`) where the output differs from the template."""
    auth = spec.authorizer
    if isinstance(auth, LambdaAuthorizer) and isinstance(auth.function.handler, ForeignHandler):
        handler = auth.function.handler
        name = f"{handler.logical_id or 'authorizer'} ({handler.runtime})"
        raise SynthError(
            f"{what} builds Python functions of a template only; the authorizer is {name}.",
            given={handler.logical_id or "authorizer": handler.runtime},
            allowed="an authorizer function with a python3.x Runtime",
            fix="deploy the original template, or port the authorizer to Python",
        )
    left = left_out_routes(spec)
    if left and len(left) == len(spec.routes):
        raise SynthError(
            f"{what} builds Python functions of a template only, and every route's function "
            f"is another runtime: {', '.join(left.values())}.",
            given=left,
            allowed="functions with a python3.x Runtime",
            fix=_LEFT_OUT_FIX,
        )
    if left:
        warn(f"{what}: {_left_out_text(left)}. Fix: {_LEFT_OUT_FIX}", TemplateSynthWarning)
        spec = dataclasses.replace(spec, routes=tuple(r for r in spec.routes if r.key not in left))
    _warn_differences(spec, origin, what)
    return spec


def _warn_differences(spec: ApiSpec, origin: TemplateOrigin, what: str) -> None:
    differences = origin.report.differences
    if not differences:
        return
    counts: dict[str, int] = {}
    for e in differences:
        if e.change is not None:  # always so: differences are the entries with a change
            counts[_COUNTED[e.change]] = counts.get(_COUNTED[e.change], 0) + 1
    where = {
        "to_cdk()": "they are listed below and in api.lint()",
        "export()": "the result's warnings and the app's README.md list each (also api.lint())",
    }.get(what, "the result's warnings list each (also api.lint())")
    lines = [difference_text(origin, e) for e in differences] if what == "to_cdk()" else []
    warn(
        f"{what}: the output differs from {origin.source} in {len(differences)} place(s) ("
        + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        + f"); {where}."
        + "".join(f"\n  {line}" for line in lines),
        TemplateSynthWarning,
    )


# ---------------------------------------------------------------------- where the output differs


def _where(origin: TemplateOrigin, logical_id: str) -> str:
    """The routes (or the authorizer) a function serves; "" for other resources."""
    keys = [key for key, lid in origin.route_functions.items() if lid == logical_id]
    if keys:
        return ("route " if len(keys) == 1 else "routes ") + ", ".join(repr(k) for k in keys)
    if logical_id in origin.runtimes:
        return "authorizer"
    return ""


def difference_text(origin: TemplateOrigin, entry: Entry) -> str:
    """``grant differs: F (route '$default'): Policies[0]: ...``; a resource that is not a
    route's function is named with its type: ``not in the output: Q (AWS::SQS::Queue): ...``."""
    assert entry.change is not None
    where = _where(origin, entry.logical_id) or entry.type
    return f"{CHANGES[entry.change]}: {entry.logical_id} ({where}): {entry.note}"


def difference_findings(spec: ApiSpec, origin: TemplateOrigin) -> list[Finding]:
    """One lint warning per place where synth()/export() differ from the template."""
    return [
        Finding(
            "warning",
            DIFFERENCE_CODE,
            difference_text(origin, e),
            _FIXES[e.change],
            cli_fix=_CLI_FIXES.get(e.change),
        )
        for e in origin.report.differences
        if e.change is not None and _still_true(spec, origin, e.logical_id)
    ]


def _still_true(spec: ApiSpec, origin: TemplateOrigin, logical_id: str) -> bool:
    """A difference about a route's function (or the authorizer's) holds while at least one
    route it serves (or the authorizer) is as it was read; once the user replaced or removed
    them, what the output does there is the user's model, not the template's."""
    loaded = origin.loaded_spec
    keys = [key for key, lid in origin.route_functions.items() if lid == logical_id]
    if keys:
        now = {r.key: r for r in spec.routes}
        then = {r.key: r for r in loaded.routes}
        same_defaults = spec.defaults == loaded.defaults
        return same_defaults and any(key in now and now[key] == then.get(key) for key in keys)
    if logical_id in origin.runtimes:  # the authorizer's function
        return spec.authorizer == loaded.authorizer
    return True


def output_notes(spec: ApiSpec, origin: TemplateOrigin) -> list[str]:
    """What ``synth()``/``export()`` tell beyond the model's own warnings: the routes they
    leave out, and every place where the output differs from the template (still true for the
    model as it is now)."""
    from ..plan import SynthNote

    notes: list[str] = []
    left = left_out_routes(spec)
    if left:
        text = _left_out_text(left) + "."
        notes.append(
            SynthNote.note("warning", LEFT_OUT_CODE, text, _LEFT_OUT_FIX, _LEFT_OUT_CLI_FIX)
        )
    notes += [
        SynthNote.note(f.level, f.code, f.message, f.fix, f.cli_fix)
        for f in difference_findings(spec, origin)
    ]
    return notes


# ---------------------------------------------------------------------- lint


def lint_findings(spec: ApiSpec, origin: TemplateOrigin, findings: list[Finding]) -> list[Finding]:
    """The API's own findings (handler files checked in ``origin.root``) with what its
    template adds: runtimes, functions it cannot run, differences, items not read."""
    foreign_files = {
        fn.handler.file for fn in spec.functions() if isinstance(fn.handler, ForeignHandler)
    }
    findings = [  # a Node/Java/... handler has no .py file, and needs none to be shown
        f
        for f in findings
        if not (f.code == "handler-file-missing" and any(x in f.message for x in foreign_files))
    ]
    findings = [in_template_terms(f, origin) for f in findings]
    here = local_python()
    for lid, rt in sorted(origin.runtimes.items()):
        if rt.startswith("python") and rt != here:
            findings.append(
                Finding(
                    "info",
                    "template-runtime",
                    f"{lid} declares {rt}; locally it runs on this interpreter ({here}).",
                    f"run the notebook on {rt} for an exact match, or ignore",
                    cli_fix=f"run wsnb with a {rt} interpreter for an exact match, or ignore",
                )
            )
    for lid, rt in foreign_handlers(spec).items():
        node = _facts.runtime_family(rt) == "nodejs"
        findings.append(
            Finding(
                "warning",
                "template-foreign-runtime",
                f"{lid} runs on {rt}: "
                + ("serve() runs it" if node else "it is shown, but serve() refuses it")
                + "; synth() and export() leave out its route (they build a template's "
                "Python functions only; an authorizer on it is refused).",
                "deploy the original template for it"
                if node
                else "port the handler to Python to run it locally and synthesize it",
                template_fix=None
                if node
                else f"set Runtime of {lid} to a Python runtime (and port its code) to run "
                "it locally and synthesize it",
            )
        )
    findings.extend(difference_findings(spec, origin))
    quiet = [e for e in origin.report.ignored if e.change is None]
    if quiet:  # not read, and nothing lost: wsnb makes its own (invoke permissions, ...)
        findings.append(
            Finding(
                "info",
                "template-ignored",
                f"{len(quiet)} template item(s) were not read into the model (wsnb makes "
                "its own, or they are not deployed); the template report lists them.",
                "print(api.template_report)",
                cli_fix="wsnb routes TARGET --report",
            )
        )
    return sorted(findings, key=lambda f: LEVELS.index(f.level))


# ---------------------------------------------------------------------- serve


def serve_defaults(origin: TemplateOrigin, stage: str | None, options: dict[str, Any]) -> str:
    """The stage to serve (the template's unless given) and, filled into ``options``, the
    region and account the template was read with, so handlers see the same region, tables
    and ARNs as the values resolved into their environment."""
    options.setdefault("region", origin.region)
    options.setdefault("account", origin.account)
    return stage or origin.stage


def answer_deployed_host(server: Any, origin: TemplateOrigin) -> None:
    """Let handlers that build the management client from the template's own URL
    (``https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Stage}``, resolved with the
    local API id) reach this server too (:meth:`LocalServer.answer_host`)."""
    server.answer_host(origin.api_host.format(server.api_id))
