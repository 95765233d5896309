"""Predict the CloudFormation resources ``synth`` will create, in pure Python (no aws_cdk).

``lint()`` uses it to warn before CloudFormation's 500-resource limit. Per route function:
``AWS::Lambda::Function``, its ``AWS::IAM::Role`` and ``AWS::IAM::Policy`` (the route may
always call @connections), plus ``AWS::ApiGatewayV2::Integration``, ``Route`` and
``AWS::Lambda::Permission``; a ``return_response`` route adds a ``RouteResponse``. Routes
without a function (mock, HTTP, AWS service integrations) have only their integration and
route, plus their integration responses and, for an AWS service integration without a
``credentials_role``, the role wsnb creates (and its policy).
"""

from __future__ import annotations

from collections import Counter

from .model import (
    ApiSpec,
    AwsIntegration,
    Bucket,
    LambdaAuthorizer,
    Secret,
    Table,
    managed_policy,
)


def predict_resource_counts(spec: ApiSpec) -> dict[str, int]:
    """CloudFormation type → count, exactly as ``synthesize(spec)`` will produce."""
    c: Counter[str] = Counter()
    if not spec.cdk.imports_api:
        c["AWS::ApiGatewayV2::Api"] += 1
    if not spec.cdk.imports_stage:
        c["AWS::ApiGatewayV2::Stage"] += 1
    for res in spec.resources():
        if isinstance(res, Table):
            c["AWS::DynamoDB::Table"] += 1
        elif isinstance(res, Bucket):
            c["AWS::S3::Bucket"] += 1
    for route in spec.routes:
        c["AWS::ApiGatewayV2::Integration"] += 1
        c["AWS::ApiGatewayV2::Route"] += 1
        if route.return_response:
            c["AWS::ApiGatewayV2::RouteResponse"] += 1
        if route.has_function:
            c["AWS::Lambda::Function"] += 1
            c["AWS::IAM::Role"] += 1
            c["AWS::IAM::Policy"] += 1
            c["AWS::Lambda::Permission"] += 1
        if route.integration_responses:
            c["AWS::ApiGatewayV2::IntegrationResponse"] += len(route.integration_responses)
        integration = route.integration
        if (
            isinstance(integration, AwsIntegration)
            and integration.credentials_role is None
            and integration.permissions
        ):
            c["AWS::IAM::Role"] += 1  # the role wsnb creates for API Gateway
            if any(managed_policy(p) is None for p in integration.permissions):
                c["AWS::IAM::Policy"] += 1
    auth = spec.authorizer
    if isinstance(auth, LambdaAuthorizer):
        props = auth.function.props
        c["AWS::ApiGatewayV2::Authorizer"] += 1
        c["AWS::Lambda::Function"] += 1
        c["AWS::IAM::Role"] += 1
        c["AWS::Lambda::Permission"] += 1
        grants = list(props.get("permissions", ())) + [
            r for r in props.get("bind", ()) if isinstance(r, (Table, Bucket, Secret))
        ]
        if props.get("tracing", "active") != "disabled" or grants:
            c["AWS::IAM::Policy"] += 1
    log = spec.access_log
    if (
        log.enabled
        and not log.destination_arn
        and not (spec.cdk.imports_stage and not log.explicit)
    ):
        c["AWS::Logs::LogGroup"] += 1
    dom = spec.custom_domain
    if dom is not None:
        c["AWS::ApiGatewayV2::ApiMapping"] += 1
        if dom.creates_domain:
            c["AWS::ApiGatewayV2::DomainName"] += 1
            if not dom.certificate_arn:
                c["AWS::CertificateManager::Certificate"] += 1
            if not dom.is_external_domain:
                c["AWS::Route53::RecordSet"] += 2
    return dict(sorted(c.items()))
