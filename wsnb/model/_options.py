"""API-level options, one module per concern (kept as one import point for existing callers)."""

from __future__ import annotations

from ._access_log import AccessLogSpec, normalize_access_log
from ._authorizer import LambdaAuthorizer, authorizer_to_json, normalize_authorizer
from ._cdk import CdkSpec, normalize_cdk
from ._domain import DomainSpec, check_domain_name, check_mapping_path, normalize_domain

__all__ = [
    "AccessLogSpec",
    "CdkSpec",
    "DomainSpec",
    "LambdaAuthorizer",
    "authorizer_to_json",
    "check_domain_name",
    "check_mapping_path",
    "normalize_access_log",
    "normalize_authorizer",
    "normalize_cdk",
    "normalize_domain",
]
