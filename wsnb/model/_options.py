"""API-level options: authorizer, custom domain, access log, and ``cdk=`` overrides."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import _facts
from .._errors import AccessLogError, AuthorizerError, CdkPropsError, DomainError
from ._frozen import Frozen, freeze_fields, thaw
from ._function import Function, normalize_props, props_to_json
from ._values import check_data

# ---------------------------------------------------------------- authorizer


class LambdaAuthorizer(Frozen):
    """A Lambda REQUEST authorizer for ``$connect``.

    ``LambdaAuthorizer("src/authorizer.main")`` or ``LambdaAuthorizer(Function(...),
    identity_source=["route.request.querystring.token"], name="TokenAuthorizer")``.
    """

    __slots__ = ("function", "identity_source", "name")

    def __init__(
        self,
        function: Any,
        *,
        identity_source: list[str] | tuple[str, ...] | None = None,
        name: str | None = None,
    ) -> None:
        path = "authorizer.function"
        if isinstance(function, Function):
            fn = function
        elif isinstance(function, dict):
            fn = Function(**normalize_props(function, path))
        elif function is None:
            raise AuthorizerError(
                "A Lambda authorizer needs a function.",
                given=None,
                fix='LambdaAuthorizer("src/authorizer.main")',
                path=path,
            )
        else:
            fn = Function(function)
        sources = (
            tuple(identity_source)
            if identity_source is not None
            else _facts.DEFAULT_IDENTITY_SOURCE
        )
        if (
            isinstance(identity_source, str)
            or not sources
            or not all(isinstance(s, str) and s.startswith("route.request.") for s in sources)
        ):
            raise AuthorizerError(
                "identity_source must be a non-empty list of route.request.* expressions.",
                given=identity_source,
                allowed="route.request.header.<Name>, route.request.querystring.<name>",
                fix='identity_source=["route.request.header.Authorization"]',
                path="authorizer.identity_source",
            )
        if name is not None and (
            not isinstance(name, str) or not re.match(r"^[\w-]{1,128}\Z", name, re.ASCII)
        ):
            raise AuthorizerError(
                "Authorizer name must be 1-128 letters, digits, '_' or '-'.",
                given=name,
                path="authorizer.name",
            )
        self._init_field("function", fn)
        self._init_field("identity_source", sources)
        self._init_field("name", name or _facts.DEFAULT_AUTHORIZER_NAME)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "lambda",
            "function": self.function.to_dict(),
            "identity_source": list(self.identity_source),
            "name": self.name,
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LambdaAuthorizer) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self.to_dict()))

    def __repr__(self) -> str:
        return f"LambdaAuthorizer({self.function!r}, identity_source={list(self.identity_source)!r}, name={self.name!r})"


_AUTHORIZER_ALLOWED = '"none", "iam", LambdaAuthorizer(...), or {"type": "lambda", "function": ...}'


def normalize_authorizer(value: Any) -> str | LambdaAuthorizer:
    if value is None:
        return "none"
    if isinstance(value, LambdaAuthorizer):
        return value
    if isinstance(value, str):
        norm = value.strip().lower()
        if norm in ("none", "iam"):
            return norm
        raise AuthorizerError(
            f"Authorizer {value!r} is not known.",
            given=value,
            allowed=_AUTHORIZER_ALLOWED,
            fix='authorizer="iam"'
            if "iam" in norm
            else 'authorizer=LambdaAuthorizer("src/authorizer.main")',
        )
    if isinstance(value, dict):
        data = dict(value)
        type_ = data.pop("type", None)
        if type_ != "lambda":
            raise AuthorizerError(
                f"Authorizer dict has type {type_!r}; only 'lambda' takes a dict.",
                given=value,
                allowed=_AUTHORIZER_ALLOWED,
                fix='{"type": "lambda", "function": "src/authorizer.main"}',
            )
        cdk = data.pop("cdk", None)
        if cdk:
            raise AuthorizerError(
                "cdk.authorizer (a ready-made CDK authorizer) cannot be expressed in the model.",
                given=cdk,
                fix="pass function=, identity_source= and name= instead",
            )
        if "identitySource" in data:
            data["identity_source"] = data.pop("identitySource")
        unknown = set(data) - {"function", "identity_source", "name"}
        if unknown:
            raise AuthorizerError(
                f"Lambda authorizer has unknown key(s) {sorted(unknown)}.",
                given=value,
                allowed="type, function, identity_source, name",
            )
        return LambdaAuthorizer(
            data.get("function"), identity_source=data.get("identity_source"), name=data.get("name")
        )
    raise AuthorizerError(
        f"Authorizer of type {type(value).__name__} is not understood.",
        given=value,
        allowed=_AUTHORIZER_ALLOWED,
    )


def authorizer_to_json(value: str | LambdaAuthorizer) -> Any:
    return value.to_dict() if isinstance(value, LambdaAuthorizer) else value


# ---------------------------------------------------------------- custom domain

_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)\Z")
_CERT_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+\Z")
_ZONE_ID = re.compile(r"^[A-Z0-9]{1,32}\Z")


@dataclass(frozen=True)
class DomainSpec:
    """A normalized custom domain. Exactly one way of getting the domain is set:

    - ``domain_name`` alone: create the domain (and certificate unless ``certificate_arn``),
    - ``shared_from``: map onto the domain of another wsnb API (``{"api", "domain_name"}``),
    - ``imported``: map onto an existing domain (``{"name", "regional_domain_name", "regional_hosted_zone_id"}``).
    """

    domain_name: str | None = None
    hosted_zone: str | None = None
    path: str | None = None
    is_external_domain: bool = False
    certificate_arn: str | None = None
    hosted_zone_attributes: dict[str, str] | None = None
    shared_from: dict[str, str] | None = None
    imported: dict[str, str] | None = None

    def __post_init__(self) -> None:
        freeze_fields(self, "hosted_zone_attributes", "shared_from", "imported")

    @property
    def name(self) -> str:
        """The domain name the API is reachable on."""
        if self.shared_from:
            return self.shared_from["domain_name"]
        if self.imported:
            return self.imported["name"]
        assert self.domain_name
        return self.domain_name

    @property
    def creates_domain(self) -> bool:
        return not (self.shared_from or self.imported)

    @property
    def url(self) -> str:
        return f"wss://{self.name}/{self.path}/" if self.path else f"wss://{self.name}"

    @property
    def zone_name(self) -> str | None:
        """The Route 53 zone to look up (None for external, shared or imported domains)."""
        if not self.creates_domain or self.is_external_domain:
            return None
        if self.hosted_zone_attributes:
            return self.hosted_zone_attributes["zone_name"]
        if self.hosted_zone:
            return self.hosted_zone
        assert self.domain_name
        return self.domain_name.split(".", 1)[1]

    def to_json(self) -> Any:
        if self.domain_name and not any(
            (
                self.hosted_zone,
                self.path,
                self.is_external_domain,
                self.certificate_arn,
                self.hosted_zone_attributes,
                self.shared_from,
                self.imported,
            )
        ):
            return self.domain_name
        out: dict[str, Any] = {}
        if self.domain_name:
            out["domain_name"] = self.domain_name
        if self.hosted_zone:
            out["hosted_zone"] = self.hosted_zone
        if self.path:
            out["path"] = self.path
        if self.is_external_domain:
            out["is_external_domain"] = True
        cdk: dict[str, Any] = {}
        if self.certificate_arn:
            cdk["certificate"] = self.certificate_arn
        if self.shared_from:
            cdk["domain_name"] = {
                "api": self.shared_from["api"],
                "domain_name": self.shared_from["domain_name"],
            }
        if self.imported:
            cdk["domain_name"] = dict(self.imported)
        if self.hosted_zone_attributes:
            cdk["hosted_zone"] = dict(self.hosted_zone_attributes)
        if cdk:
            out["cdk"] = cdk
        return out


def check_domain_name(value: Any, path: str, *, wildcard: bool = True) -> str:
    name = value.strip().lower().rstrip(".") if isinstance(value, str) else value
    ok = isinstance(name, str) and 3 <= len(name) <= 253 and "." in name
    if ok:
        labels = name.split(".")
        first = labels[0]
        ok = (
            ((first == "*" and wildcard) or bool(_DOMAIN_LABEL.match(first)))
            and all(_DOMAIN_LABEL.match(lbl) for lbl in labels[1:])
            and len(labels) >= 2
        )
    if not ok:
        raise DomainError(
            f"{value!r} is not a valid domain name.",
            given=value,
            allowed="a DNS name such as 'api.example.com', or a wildcard '*.example.com'",
            fix='custom_domain="api.example.com"',
            path=path,
        )
    return name


def check_mapping_path(value: Any, path: str) -> str | None:
    if value is None or value == "":
        return None
    text = value.strip("/") if isinstance(value, str) else value
    if (
        not isinstance(text, str)
        or len(text) > _facts.API_MAPPING_KEY_MAX
        or not re.fullmatch(_facts.API_MAPPING_KEY_PATTERN, text)
    ):
        raise DomainError(
            f"Path {value!r} is not a valid API mapping key.",
            given=value,
            allowed="letters, digits and $-_.+!*'() with '/' between levels, at most 300 characters",
            fix='path="v1"',
            path=path,
        )
    return text


_DOMAIN_KEYS = {"domain_name", "hosted_zone", "path", "is_external_domain", "cdk"}
_CAMEL_DOMAIN = {
    "domainName": "domain_name",
    "hostedZone": "hosted_zone",
    "isExternalDomain": "is_external_domain",
}


def normalize_domain(value: Any, *, wsnb_api_type: type | None = None) -> DomainSpec | None:
    if value is None or value is False:
        return None
    if isinstance(value, DomainSpec):
        return value
    if isinstance(value, str):
        return DomainSpec(domain_name=check_domain_name(value, "custom_domain"))
    if not isinstance(value, dict):
        raise DomainError(
            f"custom_domain must be a string or a dict, not {type(value).__name__}.",
            given=value,
            allowed='"api.example.com" or {"domain_name", "hosted_zone", "path", "is_external_domain", "cdk"}',
        )
    data = {_CAMEL_DOMAIN.get(k, k): v for k, v in value.items()}
    unknown = set(data) - _DOMAIN_KEYS
    if unknown:
        raise DomainError(
            f"custom_domain has unknown key(s) {sorted(unknown)}.",
            given=value,
            allowed=", ".join(sorted(_DOMAIN_KEYS)),
            path="custom_domain",
        )
    cdk = data.get("cdk") or {}
    if not isinstance(cdk, dict) or set(cdk) - {
        "certificate",
        "domain_name",
        "hosted_zone",
        "domainName",
        "hostedZone",
    }:
        raise DomainError(
            "custom_domain.cdk takes certificate, domain_name and hosted_zone.",
            given=cdk,
            path="custom_domain.cdk",
        )
    cdk = {_CAMEL_DOMAIN.get(k, k): v for k, v in cdk.items()}
    external = data.get("is_external_domain", False)
    if not isinstance(external, bool):
        raise DomainError(
            "is_external_domain must be True or False.",
            given=external,
            path="custom_domain.is_external_domain",
        )
    mapping_path = check_mapping_path(data.get("path"), "custom_domain.path")

    cert = cdk.get("certificate")
    if cert is not None and (not isinstance(cert, str) or not _CERT_ARN.match(cert)):
        raise DomainError(
            "custom_domain.cdk.certificate must be an ACM certificate ARN.",
            given=cert,
            allowed="arn:aws:acm:<region>:<account>:certificate/<id>",
            path="custom_domain.cdk.certificate",
        )

    zone_attrs = cdk.get("hosted_zone")
    if zone_attrs is not None:
        if isinstance(zone_attrs, dict):
            zone_attrs = {
                {"hostedZoneId": "hosted_zone_id", "zoneName": "zone_name"}.get(k, k): v
                for k, v in zone_attrs.items()
            }
        if (
            not isinstance(zone_attrs, dict)
            or set(zone_attrs) != {"hosted_zone_id", "zone_name"}
            or not isinstance(zone_attrs["hosted_zone_id"], str)
            or not _ZONE_ID.match(zone_attrs["hosted_zone_id"])
        ):
            raise DomainError(
                "custom_domain.cdk.hosted_zone must be {'hosted_zone_id', 'zone_name'}.",
                given=cdk.get("hosted_zone"),
                fix='{"hosted_zone_id": "Z0123456789ABC", "zone_name": "example.com"}',
                path="custom_domain.cdk.hosted_zone",
            )
        zone_attrs = {
            "hosted_zone_id": zone_attrs["hosted_zone_id"],
            "zone_name": check_domain_name(
                zone_attrs["zone_name"], "custom_domain.cdk.hosted_zone.zone_name", wildcard=False
            ),
        }

    shared = imported = None
    dn = cdk.get("domain_name")
    if dn is not None:
        if wsnb_api_type is not None and isinstance(dn, wsnb_api_type):
            other = dn._spec.custom_domain  # type: ignore[attr-defined]
            if other is None:
                raise DomainError(
                    f"WebSocketApi {dn.id!r} has no custom domain to share.",
                    given=dn,
                    fix=f"give {dn.id!r} a custom_domain first, then map this API onto it with a path",
                    path="custom_domain.cdk.domain_name",
                )
            shared = {"api": dn.id, "domain_name": other.name}
        elif isinstance(dn, dict) and set(dn) == {"api", "domain_name"}:
            shared = {
                "api": str(dn["api"]),
                "domain_name": check_domain_name(
                    dn["domain_name"], "custom_domain.cdk.domain_name"
                ),
            }
        elif isinstance(dn, dict):
            camel = {
                "regionalDomainName": "regional_domain_name",
                "regionalHostedZoneId": "regional_hosted_zone_id",
            }
            attrs = {camel.get(k, k): v for k, v in dn.items()}
            if set(attrs) != {"name", "regional_domain_name", "regional_hosted_zone_id"} or not all(
                isinstance(v, str) and v for v in attrs.values()
            ):
                raise DomainError(
                    "An imported domain needs name, regional_domain_name and regional_hosted_zone_id.",
                    given=dn,
                    fix='{"name": "api.example.com", "regional_domain_name": "d-abc.execute-api.us-east-1.amazonaws.com", "regional_hosted_zone_id": "Z1UJRXOUMOOFQ8"}',
                    path="custom_domain.cdk.domain_name",
                )
            imported = {
                "name": check_domain_name(attrs["name"], "custom_domain.cdk.domain_name.name"),
                "regional_domain_name": check_domain_name(
                    attrs["regional_domain_name"],
                    "custom_domain.cdk.domain_name.regional_domain_name",
                    wildcard=False,
                ),
                "regional_hosted_zone_id": attrs["regional_hosted_zone_id"],
            }
            if not _ZONE_ID.match(imported["regional_hosted_zone_id"]):
                raise DomainError(
                    "regional_hosted_zone_id is not a Route 53 zone id.",
                    given=imported["regional_hosted_zone_id"],
                    path="custom_domain.cdk.domain_name",
                )
        else:
            raise DomainError(
                "custom_domain.cdk.domain_name must be another WebSocketApi or imported domain attributes.",
                given=dn,
                path="custom_domain.cdk.domain_name",
            )
        if data.get("domain_name"):
            raise DomainError(
                "Give either custom_domain.domain_name or custom_domain.cdk.domain_name, not both.",
                given=value,
                fix="drop domain_name when mapping onto an existing domain",
                path="custom_domain",
            )
        if external or cert or zone_attrs or data.get("hosted_zone"):
            raise DomainError(
                "When mapping onto an existing domain only path may be set.",
                given=value,
                path="custom_domain",
            )
        return DomainSpec(path=mapping_path, shared_from=shared, imported=imported)

    if not data.get("domain_name"):
        raise DomainError(
            "custom_domain needs domain_name (or cdk.domain_name to use an existing domain).",
            given=value,
            fix='{"domain_name": "api.example.com", "path": "v1"}',
            path="custom_domain",
        )
    name = check_domain_name(data["domain_name"], "custom_domain.domain_name")
    zone = data.get("hosted_zone")
    if zone is not None:
        zone = check_domain_name(zone, "custom_domain.hosted_zone", wildcard=False)
    if external:
        if not cert:
            raise DomainError(
                "An externally hosted domain needs a certificate: wsnb cannot validate one without Route 53.",
                given=value,
                fix='custom_domain={"is_external_domain": True, "domain_name": ..., "cdk": {"certificate": "arn:aws:acm:..."}}',
                path="custom_domain.cdk.certificate",
            )
        if zone or zone_attrs:
            raise DomainError(
                "An externally hosted domain has no Route 53 hosted zone.",
                given=value,
                fix="remove hosted_zone, or set is_external_domain=False",
                path="custom_domain",
            )
    if zone and zone_attrs and zone != zone_attrs["zone_name"]:
        raise DomainError(
            "hosted_zone and cdk.hosted_zone.zone_name disagree.", given=value, path="custom_domain"
        )
    zone_name = (
        (zone_attrs or {}).get("zone_name") or zone or (None if external else name.split(".", 1)[1])
    )
    if zone_name and not (name == zone_name or name.endswith("." + zone_name)):
        raise DomainError(
            f"Domain {name!r} is not inside hosted zone {zone_name!r}.",
            given=value,
            fix=f'hosted_zone="{name.split(".", 1)[1]}"',
            path="custom_domain.hosted_zone",
        )
    if zone_name and "." not in zone_name:
        raise DomainError(
            f"Domain {name!r} is a top-level domain; wsnb cannot find its hosted zone by stripping a label.",
            given=value,
            fix='pass hosted_zone="..." explicitly',
            path="custom_domain",
        )
    return DomainSpec(
        domain_name=name,
        hosted_zone=zone,
        path=mapping_path,
        is_external_domain=external,
        certificate_arn=cert,
        hosted_zone_attributes=zone_attrs,
    )


# ---------------------------------------------------------------- access log

_LOG_GROUP_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[\w/.#-]+(:\*)?\Z"
)


@dataclass(frozen=True)
class AccessLogSpec:
    enabled: bool = True
    format: str | None = None
    retention: str | None = None
    destination_arn: str | None = None
    explicit: bool = False  # whether the user set access_log at all

    @property
    def effective_format(self) -> str:
        return self.format or _facts.default_access_log_format()

    @property
    def retention_days(self) -> int | None:
        return _facts.RETENTION_DAYS[self.retention or "infinite"]

    def to_json(self) -> Any:
        if not self.explicit:
            return None
        if not self.enabled:
            return False
        if self.retention is None and self.destination_arn is None:
            return self.format if self.format else True
        out: dict[str, Any] = {}
        if self.format:
            out["format"] = self.format
        if self.retention:
            out["retention"] = self.retention
        if self.destination_arn:
            out["destination_arn"] = self.destination_arn
        return out


def normalize_access_log(value: Any) -> AccessLogSpec:
    if value is None:
        return AccessLogSpec()
    if isinstance(value, AccessLogSpec):
        return value
    if value is True:
        return AccessLogSpec(explicit=True)
    if value is False:
        return AccessLogSpec(enabled=False, explicit=True)
    if isinstance(value, str):
        return AccessLogSpec(format=_check_format(value), explicit=True)
    if isinstance(value, dict):
        data = {{"destinationArn": "destination_arn"}.get(k, k): v for k, v in value.items()}
        unknown = set(data) - {"format", "retention", "destination_arn"}
        if unknown:
            raise AccessLogError(
                f"access_log has unknown key(s) {sorted(unknown)}.",
                given=value,
                allowed="format, retention, destination_arn",
                path="access_log",
            )
        retention = data.get("retention")
        if retention is not None:
            norm = str(retention).strip().lower().replace("-", "_").replace(" ", "_")
            if norm not in _facts.RETENTION_DAYS:
                import difflib

                close = difflib.get_close_matches(norm, list(_facts.RETENTION_DAYS), n=1)
                raise AccessLogError(
                    f"Retention {retention!r} is not a CloudWatch retention period.",
                    given=retention,
                    allowed=", ".join(_facts.RETENTION_DAYS),
                    fix=f"retention={close[0]!r}" if close else 'retention="one_week"',
                    path="access_log.retention",
                )
            retention = norm
        dest = data.get("destination_arn")
        if dest is not None and (not isinstance(dest, str) or not _LOG_GROUP_ARN.match(dest)):
            raise AccessLogError(
                "destination_arn must be a CloudWatch log group ARN.",
                given=dest,
                allowed="arn:aws:logs:<region>:<account>:log-group:<name>",
                path="access_log.destination_arn",
            )
        if dest and retention:
            raise AccessLogError(
                "retention applies to the log group wsnb creates; with destination_arn none is created.",
                given=value,
                fix="set the retention on the existing log group, and drop retention here",
                path="access_log",
            )
        fmt = data.get("format")
        return AccessLogSpec(
            format=_check_format(fmt) if fmt is not None else None,
            retention=retention,
            destination_arn=dest,
            explicit=True,
        )
    raise AccessLogError(
        f"access_log must be a bool, a format string or a dict, not {type(value).__name__}.",
        given=value,
        allowed='True, False, "$context.requestId ...", {"retention": "one_week", "format": ..., "destination_arn": ...}',
        path="access_log",
    )


def _check_format(value: Any) -> str:
    # "Customizing API Gateway WebSocket API access logs" / "Set up CloudWatch logging for
    # WebSocket APIs": the format must include $context.requestId or $context.extendedRequestId.
    if (
        not isinstance(value, str)
        or not any(v in value for v in ("$context.requestId", "$context.extendedRequestId"))
        or "\n" in value
        or len(value) > 10000
    ):
        raise AccessLogError(
            "An access-log format must be one line that includes $context.requestId or "
            "$context.extendedRequestId (API Gateway requires one of them).",
            given=value,
            fix='"$context.identity.sourceIp,$context.requestTime,$context.routeKey,$context.status,$context.requestId"',
            path="access_log.format",
        )
    return value


# ---------------------------------------------------------------- cdk overrides

_CDK_ID = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}\Z")
_STAGE_NAME = re.compile(r"^[A-Za-z0-9_$-]{1,128}\Z")


@dataclass(frozen=True)
class CdkSpec:
    id: str | None = None
    web_socket_api: dict[str, Any] | str | None = None
    web_socket_stage: dict[str, Any] | str | None = None

    def __post_init__(self) -> None:
        freeze_fields(self, "web_socket_api", "web_socket_stage")

    @property
    def imports_api(self) -> bool:
        return isinstance(self.web_socket_api, str)

    @property
    def imports_stage(self) -> bool:
        return isinstance(self.web_socket_stage, str)

    def to_json(self) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        if self.id:
            out["id"] = self.id
        if self.web_socket_api is not None:
            out["web_socket_api"] = thaw(self.web_socket_api)
        if self.web_socket_stage is not None:
            out["web_socket_stage"] = thaw(self.web_socket_stage)
        return out or None


_CAMEL_CDK = {"webSocketApi": "web_socket_api", "webSocketStage": "web_socket_stage"}
_CAMEL_PROPS = {
    "apiName": "api_name",
    "routeSelectionExpression": "route_selection_expression",
    "apiKeySelectionExpression": "api_key_selection_expression",
    "ipAddressType": "ip_address_type",
    "stageName": "stage_name",
    "autoDeploy": "auto_deploy",
    "detailedMetricsEnabled": "detailed_metrics_enabled",
}


def normalize_cdk(value: Any) -> CdkSpec:
    if value is None:
        return CdkSpec()
    if isinstance(value, CdkSpec):
        return value
    if not isinstance(value, dict):
        raise CdkPropsError(
            "cdk must be a dict.",
            given=value,
            allowed="id, web_socket_api, web_socket_stage",
            path="cdk",
        )
    data = {_CAMEL_CDK.get(k, k): v for k, v in value.items()}
    unknown = set(data) - {"id", "web_socket_api", "web_socket_stage"}
    if unknown:
        raise CdkPropsError(
            f"cdk has unknown key(s) {sorted(unknown)}.",
            given=value,
            allowed="id, web_socket_api, web_socket_stage",
            path="cdk",
        )
    cdk_id = data.get("id")
    if cdk_id is not None and (not isinstance(cdk_id, str) or not _CDK_ID.match(cdk_id)):
        raise CdkPropsError(
            "cdk.id must start with a letter and hold letters, digits and '-'.",
            given=cdk_id,
            path="cdk.id",
        )
    api = _cdk_props(
        data.get("web_socket_api"),
        "web_socket_api",
        _facts.WEB_SOCKET_API_PROPS,
        r"^[a-z0-9]{1,32}\Z",
        "an existing API id such as 'a1b2c3d4e5'",
    )
    stage = _cdk_props(
        data.get("web_socket_stage"),
        "web_socket_stage",
        _facts.WEB_SOCKET_STAGE_PROPS,
        _STAGE_NAME.pattern,
        "an existing stage name such as 'prod'",
    )
    if isinstance(stage, str) and not isinstance(api, str):
        # SST v1 WebSocketApi: "Cannot import the webSocketStage when the webSocketApi is not imported"
        raise CdkPropsError(
            "Cannot import the web_socket_stage when the web_socket_api is not imported.",
            given=value,
            allowed="an imported stage together with an imported API: "
            '{"web_socket_api": "<api id>", "web_socket_stage": "<stage name>"}',
            fix='import both, or give the new stage props: cdk={"web_socket_stage": {"stage_name": "prod"}}',
            path="cdk.web_socket_stage",
        )
    return CdkSpec(id=cdk_id, web_socket_api=api, web_socket_stage=stage)


def _cdk_props(
    value: Any, name: str, allowed: tuple[str, ...], import_pattern: str, import_desc: str
):
    if value is None:
        return None
    if isinstance(value, str):
        if not re.match(import_pattern, value):
            raise CdkPropsError(
                f"cdk.{name} as a string imports an existing resource, but {value!r} is not one.",
                given=value,
                allowed=import_desc,
                path=f"cdk.{name}",
            )
        return value
    if not isinstance(value, dict):
        raise CdkPropsError(
            f"cdk.{name} must be a dict of props or a string to import.",
            given=value,
            path=f"cdk.{name}",
        )
    props = {_CAMEL_PROPS.get(k, k): v for k, v in value.items()}
    for key, val in props.items():
        if key not in allowed:
            import difflib

            close = difflib.get_close_matches(key, allowed, n=1)
            raise CdkPropsError(
                f"cdk.{name} has no prop {key!r}.",
                given=key,
                allowed=", ".join(allowed),
                fix=f"did you mean {close[0]!r}?" if close else None,
                path=f"cdk.{name}.{key}",
            )
        check_data(val, f"cdk.{name}.{key}", error=CdkPropsError)
        _check_cdk_value(name, key, val)
    return props


def _check_cdk_value(name: str, key: str, val: Any) -> None:
    ok = True
    if key in ("auto_deploy", "detailed_metrics_enabled"):
        ok = isinstance(val, bool)
    elif key == "throttle":
        ok = (
            isinstance(val, dict)
            and set(val) <= {"rate_limit", "burst_limit"}
            and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
                for v in val.values()
            )
        )
    elif key == "stage_name":
        ok = isinstance(val, str) and bool(_STAGE_NAME.match(val))
    elif key == "ip_address_type":
        ok = val in ("ipv4", "dualstack")
    else:
        ok = isinstance(val, str) and 0 < len(val) <= 1024
    if not ok:
        raise CdkPropsError(
            f"cdk.{name}.{key} has a value of the wrong type or form.",
            given=val,
            path=f"cdk.{name}.{key}",
        )


__all__ = [
    "AccessLogSpec",
    "CdkSpec",
    "DomainSpec",
    "LambdaAuthorizer",
    "authorizer_to_json",
    "normalize_access_log",
    "normalize_authorizer",
    "normalize_cdk",
    "normalize_domain",
    "props_to_json",
]
