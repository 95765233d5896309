"""Reading the API's custom domain: its ``AWS::ApiGatewayV2::ApiMapping`` and the
``AWS::ApiGatewayV2::DomainName`` it maps (read as an external domain)."""

from __future__ import annotations

from typing import Any

from . import _shapes as shapes
from ._context import ReadContext
from ._intrinsics import markers

API_MAPPING = "AWS::ApiGatewayV2::ApiMapping"
DOMAIN_NAME = "AWS::ApiGatewayV2::DomainName"


def read_domain(context: ReadContext) -> Any:
    """wsnb's ``custom_domain`` for the first API mapping of the API, or None."""
    template = context.template
    for lid in template.resources_of(API_MAPPING):
        context.reading[:] = [lid]
        p = template.props(lid)
        if not context.refers_to_api(p.get("ApiId")):
            continue
        context.used.add(lid)
        dom = p.get("DomainName")
        dom_lids = [d for d, _ in markers(dom) if template.type_of(d) == DOMAIN_NAME]
        if dom_lids:
            context.used.add(dom_lids[0])
            dp = template.props(dom_lids[0])
            name = dp.get("DomainName")
            configs = shapes.mappings(
                dp.get("DomainNameConfigurations"),
                f"{dom_lids[0]}.Properties.DomainNameConfigurations",
            )
            cert = configs[0].get("CertificateArn") if configs else None
        else:
            name, cert = dom, None
        if not isinstance(name, str) or "\x00" in name:
            context.report.add(
                lid, API_MAPPING, "ignored", "its domain name does not resolve to a string"
            )
            return None
        out: dict[str, Any] = {"domain_name": name, "is_external_domain": True}
        approx = []
        if isinstance(cert, str) and "\x00" not in cert:
            out["cdk"] = {"certificate": cert}
        else:
            out["cdk"] = {
                "certificate": f"arn:aws:acm:{context.region}:{context.account}:certificate/imported-from-template"
            }
            approx.append("certificate ARN is not a literal; a placeholder ARN is used")
        key = p.get("ApiMappingKey")
        if isinstance(key, str) and key:
            out["path"] = key
        context.report.add(
            lid,
            API_MAPPING,
            "read",
            f"custom domain {name}" + (f", path {key}" if key else ""),
        )
        if dom_lids:
            context.report.add(
                dom_lids[0],
                DOMAIN_NAME,
                "approximated",
                "read as an external domain (Route 53 records are not read); "
                + ("; ".join(approx) or "certificate kept"),
                change="value" if approx else None,  # records: reported on their own
            )
        else:
            context.report.add(
                lid,
                API_MAPPING,
                "approximated",
                f"the domain {name} is not defined in this template; synth()/export() "
                "create an AWS::ApiGatewayV2::DomainName for it"
                + (" with a placeholder certificate ARN" if approx else ""),
                change="value" if approx else "setting",
            )
        return out
    return None
