"""What a route goes to, in words every view shares: the integration type (the label on the
diagram's edge and the table's ``integration`` column) and the target (a function's handler,
a URL, an AWS service's action or path, or API Gateway itself for a mock), and why the local
emulator cannot run it, if it cannot (SPEC §9).
"""

from __future__ import annotations

import re

from ..model import (
    AwsIntegration,
    HttpIntegration,
    Integration,
    LambdaIntegration,
    MockIntegration,
)

#: the integration type of a plain handler route (the usual one: arrows are left unlabelled)
PROXY = "λ proxy"
#: the target of a mock (API Gateway answers by itself)
MOCK_TARGET = "API Gateway answers"
#: what a target that ``api.serve()`` cannot run says, before the reason
NOT_LOCAL = "not run locally"

_STATUS = re.compile(r'"statusCode"\s*:\s*(\d{3})\b')


def integration_type(integration: Integration | None) -> str:
    """``λ proxy``, ``λ non-proxy``, ``λ (Event)``, ``MOCK``, ``HTTP``, ``HTTP proxy`` or
    ``AWS <service>``: short enough for an arrow's label."""
    if integration is None:
        return PROXY
    if isinstance(integration, LambdaIntegration):
        return "λ (Event)" if integration.is_async else "λ non-proxy"
    if isinstance(integration, HttpIntegration):
        return "HTTP proxy" if integration.proxy else "HTTP"
    if isinstance(integration, AwsIntegration):
        return f"AWS {integration.service}"
    return integration.cfn_type  # MOCK


def target(integration: Integration) -> tuple[str, str]:
    """``(label, meta)`` of the target of a route without a function: the URL and its method,
    the service and its action or path, or API Gateway itself and the status its mock gives."""
    if isinstance(integration, HttpIntegration):
        return integration.url, integration.method or "POST"
    if isinstance(integration, AwsIntegration):
        return f"{integration.service} {integration.action or integration.path}", ""
    if isinstance(integration, MockIntegration):
        statuses = sorted(
            {m for text in integration.request_templates.values() for m in _STATUS.findall(text)}
        )
        return MOCK_TARGET, f"statusCode {', '.join(statuses)}" if statuses else ""
    return integration.label, ""


def short_reason(problem: str) -> str:
    """A local problem's first phrase (``no local states``), without what follows in
    parentheses: the diagram's boxes show it, the tables the whole text."""
    return problem.split(" (", 1)[0].strip()


def target_text(label: str, meta: str) -> str:
    """The target as the route tables show it, as the text drawing does: the label and its meta
    (``https://… (PUT)``, ``API Gateway answers (statusCode 200)``)."""
    return f"{label} ({meta})" if meta else label
