"""Reading the API's stage (``AWS::ApiGatewayV2::Stage``: name, throttling, metrics) and its
access log (the settings, and the ``AWS::Logs::LogGroup`` it writes to)."""

from __future__ import annotations

from typing import Any

from .. import _facts
from . import _shapes as shapes
from ._context import ReadContext
from ._intrinsics import markers

STAGE = "AWS::ApiGatewayV2::Stage"
LOG_GROUP = "AWS::Logs::LogGroup"
_STAGE_PROPERTIES = {
    "ApiId",
    "StageName",
    "AutoDeploy",
    "Description",
    "DefaultRouteSettings",
    "AccessLogSettings",
    "DeploymentId",
}


def read_stage(context: ReadContext) -> tuple[str, dict[str, Any], Any]:
    """(stage name, the CDK stage settings, the access log) of the API's first active stage;
    ``("dev", {}, False)`` when it has none."""
    template = context.template
    stages = [
        lid
        for lid in template.resources_of(STAGE)
        if context.refers_to_api(template.props(lid).get("ApiId")) and template.active(lid)
    ]
    if not stages:
        return "dev", {}, False
    lid = stages[0]
    for other in stages[1:]:
        context.used.add(other)
        context.report.add(other, STAGE, "ignored", f"only the first stage ({lid}) is read")
    context.used.add(lid)
    context.reading[:] = [lid]
    p = template.props(lid)
    name = shapes.text(p.get("StageName", "dev"), f"{lid}.Properties.StageName", literal=True)
    cdk: dict[str, Any] = {"stage_name": name}
    notes = [f"StageName {name!r}"]
    if isinstance(p.get("AutoDeploy"), bool):
        cdk["auto_deploy"] = p["AutoDeploy"]
    if isinstance(p.get("Description"), str):
        cdk["description"] = p["Description"][:1024]
    here = f"{lid}.Properties.DefaultRouteSettings"
    routes_default = shapes.mapping(p.get("DefaultRouteSettings"), here)
    throttle: dict[str, Any] = {}
    if "ThrottlingRateLimit" in routes_default:
        throttle["rate_limit"] = shapes.number(
            routes_default["ThrottlingRateLimit"], f"{here}.ThrottlingRateLimit"
        )
    if "ThrottlingBurstLimit" in routes_default:
        throttle["burst_limit"] = shapes.integer(
            routes_default["ThrottlingBurstLimit"], f"{here}.ThrottlingBurstLimit"
        )
    if throttle:
        cdk["throttle"] = throttle
        notes.append("throttling")
    if isinstance(routes_default.get("DetailedMetricsEnabled"), bool):
        cdk["detailed_metrics_enabled"] = routes_default["DetailedMetricsEnabled"]
    access_log: Any = False
    settings = p.get("AccessLogSettings")
    if settings is not None:
        where = f"{lid}.Properties.AccessLogSettings"
        access_log = read_access_log(context, lid, shapes.mapping(settings, where, optional=False))
        notes.append("AccessLogSettings")
    context.report.add(lid, STAGE, "read", ", ".join(notes))
    rest = sorted(set(p) - _STAGE_PROPERTIES)
    if rest:
        context.report.add(lid, STAGE, "ignored", "not read: " + ", ".join(rest))
    return name, cdk, access_log


def read_access_log(context: ReadContext, stage_lid: str, settings: dict[str, Any]) -> Any:
    """The stage's ``AccessLogSettings`` as wsnb's ``access_log`` (``True`` for the defaults)."""
    out: dict[str, Any] = {}
    fmt = settings.get("Format")
    if isinstance(fmt, str):
        if "$context.requestId" in fmt and "\n" not in fmt:
            out["format"] = fmt
        else:
            context.report.add(
                stage_lid,
                STAGE,
                "approximated",
                "access-log Format without $context.requestId: wsnb's default JSON format is used",
            )
    dest = settings.get("DestinationArn")
    groups = [lid for lid, a in markers(dest) if context.template.type_of(lid) == LOG_GROUP]
    if groups:
        _read_log_group(context, groups[0], out)
    elif isinstance(dest, str) and "\x00" not in dest:
        out["destination_arn"] = dest
    return out or True


def _read_log_group(context: ReadContext, lid: str, out: dict[str, Any]) -> None:
    """The access log's ``AWS::Logs::LogGroup``: its retention (into ``out``) where wsnb can
    say it; wsnb creates its own group."""
    context.used.add(lid)
    group = context.template.props(lid)
    days = group.get("RetentionInDays")
    kept = days is None
    if days is not None:
        days = shapes.integer(days, f"{lid}.Properties.RetentionInDays")
        names = {v: k for k, v in _facts.RETENTION_DAYS.items()}
        if int(days) in names:
            out["retention"] = names[int(days)]
            kept = True
    # wsnb names its group /aws/vendedlogs/apis/<stage>-<app>-<id>-<apiId>/<stage>: a
    # fixed name, other properties or a retention it cannot express differ from that
    name = group.get("LogGroupName")
    fixed = isinstance(name, str) and "\x00" not in name
    rest = sorted(set(group) - {"LogGroupName", "RetentionInDays"})
    lost = ([f"its name {name!r}"] if fixed else []) + ([] if kept else [f"RetentionInDays {days}"])
    context.report.add(
        lid,
        LOG_GROUP,
        "approximated",
        "the access log's group: wsnb creates its own log group (retention kept)"
        + (f"; {', '.join(lost)} not kept" if lost else "")
        + (f"; not read: {', '.join(rest)}" if rest else ""),
        change="setting" if lost or rest else None,
    )
