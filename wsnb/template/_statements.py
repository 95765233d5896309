"""Reading IAM policy statements into wsnb permissions.

A statement that is exactly CDK's Table/Bucket read/write grant becomes that Table/Bucket
permission; one of wsnb's own function-role actions only is read as already granted; any other
keeps its effect, actions, resources and conditions, with a table's or bucket's ARN or name as
the wsnb placeholder (``table.table_arn``) and a reference wsnb cannot make as a placeholder ARN
(reported as a grant that differs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._errors import WsnbError
from ..model import (
    TOKEN_PATTERN,
    Bucket,
    Ref,
    Resource,
    Table,
    normalize_permissions,
    props_resources,
)
from ._context import ReadContext
from ._grants import BUCKET_GRANT, TABLE_GRANT, TABLE_STREAM_GRANT, WSNB_ROLE_ACTIONS, as_list
from ._intrinsics import NO_VALUE, marker, markers, strip_markers
from ._references import attr_ref, placeholder_text
from ._resources import read_resource


@dataclass
class Grantee:
    """The function whose IAM is being read, and the actions of wsnb's own function role that
    the template grants it too (so the report can name what wsnb's role adds)."""

    logical_id: str
    kind: str
    role_seen: set[str] = field(default_factory=set)

    def report(self, context: ReadContext, status: str, note: str, **change: Any) -> None:
        """Add a report entry for the function (``change=`` as ``TemplateReport.add`` takes)."""
        context.report.add(self.logical_id, self.kind, status, note, **change)


def read_statements(
    context: ReadContext, who: Grantee, statements: Any, where: str, so_far: list[Any]
) -> list[Any]:
    """The permissions ``statements`` (a list, or one statement) grant ``who``; ``so_far`` are
    the permissions read before them."""
    statements = as_list(statements)  # a single statement (a mapping) too
    out: list[Any] = []
    # a CDK/wsnb Table or Bucket grant (its exact actions on the resource): the permission
    grants = [_grant_targets(context, st) for st in statements]
    granted: list[Resource] = []
    for targets in grants:
        if targets is not None:
            granted.extend(t for t in targets if t not in granted)
    for i, (st, targets) in enumerate(zip(statements, grants, strict=True)):
        here = f"{where}.Statement[{i}]" if len(statements) > 1 else where
        if not isinstance(st, dict):
            who.report(
                context,
                "ignored",
                f"{here}: a statement that is not a mapping is not granted",
                change="grant",
            )
            continue
        actions = [str(a) for a in as_list(st.get("Action"))]
        if (
            st.get("Effect", "Allow") == "Allow"
            and actions
            and set(actions) <= WSNB_ROLE_ACTIONS
            and not st.get("Condition")
        ):
            who.role_seen |= set(actions)
            who.report(
                context,
                "read",
                f"{here}: {', '.join(actions)} (wsnb grants connection management, tracing "
                "and logs to every function)",
            )
            continue
        covered = _covered_by(context, st, granted)
        if targets is not None or covered:
            out.extend(targets or [])
            who.report(
                context,
                "read",
                f"{here}: {len(actions)} action(s) on "
                + ", ".join(t.id for t in (targets or covered))
                + " read as the Table/Bucket read/write grant they are",
            )
            continue
        statement = _statement(context, who, st, here, so_far + out)
        if statement is not None:
            out.append(statement)
    return out


# ---------------------------------------------------------------------- Table/Bucket grants


def _plain_grant(context: ReadContext, st: Any) -> tuple[set[str], list[Resource]] | None:
    """The actions and Tables/Buckets of an Allow statement without NotAction, NotResource
    or Condition whose every resource is a Table's or Bucket's ARN (or under it)."""
    if not isinstance(st, dict) or st.get("Effect", "Allow") != "Allow":
        return None
    if any(k in st for k in ("NotAction", "NotResource", "Condition")):
        return None
    actions = {str(a) for a in as_list(st.get("Action"))}
    targets = _targets(context, as_list(st.get("Resource")))
    return (actions, targets) if targets else None


def _grant_targets(context: ReadContext, st: Any) -> list[Resource] | None:
    """The Tables/Buckets of a statement that is exactly their wsnb/CDK read/write grant."""
    plain = _plain_grant(context, st)
    if plain is None:
        return None
    actions, targets = plain
    if all(isinstance(t, Table) for t in targets) and actions == TABLE_GRANT:
        return targets
    if all(isinstance(t, Bucket) for t in targets) and actions == BUCKET_GRANT:
        return targets
    return None


def _covered_by(context: ReadContext, st: Any, granted: list[Resource]) -> list[Resource]:
    """CDK's second statement of a Table grant (stream reads) on tables already granted."""
    plain = _plain_grant(context, st) if granted else None
    if plain is None:
        return []
    actions, targets = plain
    if actions <= TABLE_STREAM_GRANT and all(t in granted for t in targets):
        return targets
    return []


def _targets(context: ReadContext, resources: list[Any]) -> list[Resource] | None:
    """The wsnb Tables/Buckets that every resource of a statement is (an ARN of, or under);
    None when some resource is anything else."""
    found: list[Resource] = []
    for r in resources:
        ms = markers(r)
        if len(ms) != 1 or not isinstance(r, str):
            return None
        lid2, attr = ms[0]
        res = read_resource(context, lid2)
        if not isinstance(res, (Table, Bucket)) or attr != "Arn":
            return None
        if not r.startswith(marker(lid2, attr)):
            return None
        if res not in found:
            found.append(res)
    return found


# ---------------------------------------------------------------------- other statements


def _statement(
    context: ReadContext, who: Grantee, st: dict[str, Any], where: str, so_far: list[Any]
) -> dict[str, Any] | None:
    """A template statement as a wsnb statement: its effect, actions, conditions and
    resources as they are; a table's or bucket's ARN or name as the wsnb placeholder."""
    out: dict[str, Any] = {"Effect": st.get("Effect", "Allow")}
    for key in ("Action", "NotAction"):
        if key in st:
            out[key] = [str(a) for a in as_list(st[key])]
    if not out.get("Action") and not out.get("NotAction"):
        who.report(context, "ignored", f"{where}: a statement without actions", change="grant")
        return None
    placeholders: list[str] = []
    whole: list[Resource] = []  # resources named by their own ARN (a Ref in the model)
    embedded: list[Resource] = []  # named inside a longer ARN
    for key in ("Resource", "NotResource"):
        if key not in st:
            continue
        values = []
        for r in as_list(st[key]):
            value = _statement_resource(context, r, whole, embedded, placeholders)
            if value is None:
                who.report(
                    context,
                    "ignored",
                    f"{where}: a {key} that is not a string; the statement is not granted",
                    change="grant",
                )
                return None
            values.append(value)
        out[key] = values
    if "Condition" in st:
        out["Condition"] = _condition(context, st["Condition"], placeholders)
    missing = [
        r for r in embedded if r not in whole and not _known(context, r, who.logical_id, so_far)
    ]
    if missing:  # a resource the function does not otherwise use: name its placeholder ARN
        for key in ("Resource", "NotResource"):
            if key in out:
                out[key] = [
                    _fake_arns(context, str(v), missing, placeholders) if isinstance(v, str) else v
                    for v in out[key]
                ]
    try:
        normalize_permissions([out], where)
    except WsnbError as exc:
        who.report(
            context,
            "ignored",
            f"{where}: the statement is not one wsnb can keep ({exc.message}); it is not granted",
            change="grant",
        )
        return None
    shown = ", ".join(out.get("Action") or out.get("NotAction") or [])
    if placeholders:
        who.report(
            context,
            "approximated",
            f"{where}: {shown} on "
            + ", ".join(placeholders)
            + ", which wsnb's output cannot refer to: the statement names a placeholder "
            "ARN instead",
            change="grant",
        )
    else:
        who.report(context, "read", f"{where}: statement {shown} kept as it is")
    return out


def _condition(context: ReadContext, value: Any, placeholders: list[str]) -> Any:
    """A statement's Condition with template references as placeholder values."""
    if isinstance(value, dict):
        return {k: _condition(context, v, placeholders) for k, v in value.items()}
    if isinstance(value, list):
        return [_condition(context, v, placeholders) for v in value if v is not NO_VALUE]
    if isinstance(value, str) and markers(value):
        return strip_markers(
            value, lambda lid2, attr: _placeholder(context, lid2, attr, placeholders)
        )
    return value


def _statement_resource(
    context: ReadContext,
    r: Any,
    whole: list[Resource],
    embedded: list[Resource],
    placeholders: list[str],
) -> Any:
    if not isinstance(r, str):
        return None
    found = markers(r)
    if not found:
        return r
    if len(found) == 1 and r == marker(*found[0]):
        lid2, attr = found[0]
        ref = _placeholder_ref(read_resource(context, lid2), attr)
        if ref is not None and attr != "Ref":  # the resource's own ARN
            if ref.resource not in whole:
                whole.append(ref.resource)
            return ref

    def token(lid2: str, attr: str) -> str:
        ref = _placeholder_ref(read_resource(context, lid2), attr)
        if ref is None:
            return _placeholder(context, lid2, attr, placeholders)
        if ref.resource not in embedded:
            embedded.append(ref.resource)
        return str(ref)

    return strip_markers(r, token)


def _placeholder_ref(res: Resource | None, attr: str) -> Ref | None:
    """wsnb's placeholder for a Table's ``Arn``, ``StreamArn`` or ``Ref`` (its name) or a
    Bucket's ``Arn`` or ``Ref`` (``table.table_arn``...); None for any other reference."""
    if (isinstance(res, Table) and attr in ("Arn", "StreamArn", "Ref")) or (
        isinstance(res, Bucket) and attr in ("Arn", "Ref")
    ):
        return attr_ref(res, attr, "")
    return None


def _placeholder(context: ReadContext, lid2: str, attr: str, placeholders: list[str]) -> str:
    """The stand-in text for a reference wsnb's output cannot make; ``placeholders`` names
    the resource for the report."""
    shown = f"{lid2} ({context.template.type_of(lid2)})"
    if shown not in placeholders:
        placeholders.append(shown)
    return placeholder_text(context, lid2, attr)


def _known(context: ReadContext, res: Resource, lid: str, so_far: list[Any]) -> bool:
    """Whether the function's model already names ``res`` (environment or a grant)."""
    info = context.functions.get(lid)
    env = (info.props.get("environment") if info else None) or {}
    return res in props_resources({"environment": env, "permissions": so_far})


def _fake_arns(
    context: ReadContext, text: str, missing: list[Resource], placeholders: list[str]
) -> str:
    def sub(m: Any) -> str:
        res = next((r for r in missing if r.kind == m[1] and r.id == m[2]), None)
        if res is None:
            return m[0]
        shown = f"{res.kind} {res.id}"
        if shown not in placeholders:
            placeholders.append(shown)
        return placeholder_text(
            context, _logical_of(context, res), "Arn" if m[3].endswith("_arn") else "Ref"
        )

    return TOKEN_PATTERN.sub(sub, text)


def _logical_of(context: ReadContext, res: Resource) -> str:
    for lid2, known in context.wsnb_resources.items():
        if known is res:
            return lid2
    return res.id
