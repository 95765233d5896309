"""What a reference to another resource of the template becomes: the resource it points at
(:func:`one_marker`), a wsnb reference to a Table/Bucket/Parameter (:func:`attr_ref`), or a
stand-in literal for what has no wsnb equivalent (:func:`placeholder_text`)."""

from __future__ import annotations

import re
from typing import Any

from .._errors import TemplateError
from ..model import Bucket, Parameter, Ref, Resource, Table
from ._context import ReadContext
from ._intrinsics import markers, strip_markers
from ._kinds import FUNCTION_TYPES, LAMBDA
from ._pick import wsnb_api_id

_FUNCTION_ARN = re.compile(r"arn:[a-z-]+:lambda:[a-z0-9-]*:\d*:function:([A-Za-z0-9_-]+)")


def one_marker(
    context: ReadContext, value: Any, where: str, types: tuple[str, ...], what: str
) -> str:
    """The logical id of the resource of one of ``types`` that ``value`` refers to (a Lambda
    function also by a literal ARN naming its ``FunctionName``)."""
    template = context.template
    for lid, _attr in markers(value):
        if template.type_of(lid) in types:
            return lid
    if isinstance(value, str):
        m = _FUNCTION_ARN.search(value)
        if m and LAMBDA in types:
            for lid in template.resources_of(FUNCTION_TYPES):
                if template.function_name(lid) == m[1]:
                    return lid
    refs = [lid for lid, _ in markers(value)]
    raise TemplateError(
        f"{where}: {what} points at "
        + (
            f"{refs[0]!r}, which is a {template.type_of(refs[0])}"
            if refs
            else "no resource of this template"
        )
        + ".",
        given=strip_markers(value, lambda lid, a: f"${{{lid}.{a}}}")
        if isinstance(value, str)
        else value,
        allowed=" or ".join(types) + " defined in the template",
        fix="point it at a resource the template defines (e.g. !GetAtt MyFunction.Arn)",
        path=where,
    )


def placeholder_text(context: ReadContext, lid: str, attr: str) -> str:
    """The literal that stands for ``lid``'s ``attr`` where wsnb has no equivalent: a
    function's name or ARN, this API's local id or URL, a stage's name, else a placeholder ARN
    or the logical id."""
    region, account = context.region, context.account
    template = context.template
    t = template.type_of(lid)
    if t in FUNCTION_TYPES:
        name = template.function_name(lid) or lid
        return f"arn:aws:lambda:{region}:{account}:function:{name}" if attr == "Arn" else name
    if lid == context.api:  # the local API: its id, and the host serve() answers
        from ..local import api_id

        local_id = api_id(wsnb_api_id(template.resources, context.api))
        if attr in ("Ref", "ApiId"):
            return local_id
        return f"wss://{local_id}.execute-api.{region}.{context.url_suffix}"
    if t == "AWS::ApiGatewayV2::Stage" and attr == "Ref":
        return str(template.props(lid).get("StageName", lid))
    return f"arn:aws:local:{region}:{account}:{lid}" if attr.endswith("Arn") else lid


def attr_ref(res: Resource, attr: str, text: str) -> Any:
    """The wsnb reference for attribute ``attr`` (``Ref``, ``Arn``…) of a Table, Bucket or
    Parameter (a Parameter's ``Value`` is its value); ``text`` for anything else."""
    if isinstance(res, Table):
        return Ref(res, {"Arn": "table_arn", "StreamArn": "stream_arn"}.get(attr, "table_name"))
    if isinstance(res, Bucket):
        return Ref(res, "bucket_arn" if attr == "Arn" else "bucket_name")
    if isinstance(res, Parameter):
        return res.value if attr == "Value" else Ref(res, "parameter_name")
    return text
