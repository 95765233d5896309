"""Reading ``AWS::ApiGatewayV2::IntegrationResponse`` resources: how a non-proxy integration's
answer becomes the route's reply (key, response templates, their selection expression, content
handling). They are read before the routes, since each is part of its integration in the model
(:class:`~wsnb.model.IntegrationResponse`); which ones a route used is reported with it.

AWS's pages: "AWS::ApiGatewayV2::IntegrationResponse", "Set up a WebSocket API integration
response in API Gateway".
"""

from __future__ import annotations

from dataclasses import dataclass

from .._errors import IntegrationError, TemplateError
from ..model import IntegrationResponse
from . import _shapes as shapes
from ._context import ReadContext
from ._integrations import INTEGRATION, template_text
from ._intrinsics import markers

INTEGRATION_RESPONSE = "AWS::ApiGatewayV2::IntegrationResponse"
_READ = {
    "ApiId",
    "IntegrationId",
    "IntegrationResponseKey",
    "ResponseTemplates",
    "TemplateSelectionExpression",
    "ContentHandlingStrategy",
}


@dataclass(frozen=True)
class ReadResponse:
    """One integration response of the API: its resource, its integration, the model's form."""

    logical_id: str
    integration: str
    response: IntegrationResponse


def read_integration_responses(context: ReadContext) -> dict[str, list[ReadResponse]]:
    """The API's integration responses by the logical id of their integration, in template
    order (a false ``Condition`` is reported and skipped)."""
    out: dict[str, list[ReadResponse]] = {}
    template = context.template
    for lid in template.resources_of(INTEGRATION_RESPONSE):
        context.reading[:] = [lid]
        if not template.surely_active(lid):
            continue  # reported as not deployed with the rest
        p = template.props(lid)
        if not context.refers_to_api(p.get("ApiId")):
            continue
        context.used.add(lid)
        where = f"{lid}.Properties"
        integration = next(
            (r for r, _ in markers(p.get("IntegrationId")) if template.type_of(r) == INTEGRATION),
            None,
        )
        if integration is None:
            raise TemplateError(
                f"{where}.IntegrationId: the integration response points at no "
                "AWS::ApiGatewayV2::Integration of this template.",
                given=shapes.shown(p.get("IntegrationId")),
                fix="!Ref MyIntegration",
                path=f"{where}.IntegrationId",
            )
        key = shapes.text(p.get("IntegrationResponseKey"), f"{where}.IntegrationResponseKey")
        templates = {
            k: template_text(
                context,
                lid,
                INTEGRATION_RESPONSE,
                shapes.text(v, f"{where}.ResponseTemplates.{k}"),
                f"ResponseTemplates.{k}",
            )
            for k, v in shapes.mapping(
                p.get("ResponseTemplates"), f"{where}.ResponseTemplates"
            ).items()
        }
        selection = p.get("TemplateSelectionExpression")
        handling = p.get("ContentHandlingStrategy")
        try:
            response = IntegrationResponse(
                key,
                templates=templates or None,
                template_selection_expression=None
                if selection is None
                else shapes.text(selection, f"{where}.TemplateSelectionExpression", literal=True),
                content_handling=None
                if handling is None
                else shapes.text(handling, f"{where}.ContentHandlingStrategy", literal=True),
            )
        except IntegrationError as exc:
            raise TemplateError(
                f"{where}: {exc.message}",
                given=exc.given,
                allowed=exc.allowed,
                fix="check it against the AWS::ApiGatewayV2::IntegrationResponse reference",
                path=where,
            ) from None
        rest = sorted(set(p) - _READ)
        if rest:
            context.report.add(
                lid,
                INTEGRATION_RESPONSE,
                "ignored",
                "not read: "
                + ", ".join(rest)
                + (
                    " (response parameter mappings are not kept)"
                    if "ResponseParameters" in rest
                    else ""
                ),
            )
        out.setdefault(integration, []).append(ReadResponse(lid, integration, response))
    return out


def report_integration_responses(
    context: ReadContext, found: dict[str, list[ReadResponse]], used: dict[str, str]
) -> None:
    """Report each integration response: read with the route whose integration it belongs to
    (``used``: integration logical id → route key, for the non-proxy integrations read), or
    ignored."""
    for integration, responses in found.items():
        key = used.get(integration)
        for item in responses:
            if key is not None:
                context.report.add(
                    item.logical_id,
                    INTEGRATION_RESPONSE,
                    "read",
                    f"integration response {item.response.key} of {integration} (route {key!r})",
                )
            else:
                context.report.add(
                    item.logical_id,
                    INTEGRATION_RESPONSE,
                    "ignored",
                    f"its integration {integration} is not a non-proxy integration of a route "
                    "of this API",
                )
