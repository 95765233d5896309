"""``custom_domain=``: a domain wsnb creates, another API's domain, or an imported one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import _facts
from .._errors import DomainError
from ._frozen import freeze_fields

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
_DOMAIN_CDK_KEYS = {"certificate", "domain_name", "hosted_zone", "domainName", "hostedZone"}
_CAMEL_DOMAIN = {
    "domainName": "domain_name",
    "hostedZone": "hosted_zone",
    "isExternalDomain": "is_external_domain",
}


def normalize_domain(value: Any, *, wsnb_api_type: type | None = None) -> DomainSpec | None:
    """A :class:`DomainSpec` from SST's forms (``None`` for no custom domain)."""
    if value is None or value is False:
        return None
    if isinstance(value, DomainSpec):
        return value
    if isinstance(value, str):
        return DomainSpec(domain_name=check_domain_name(value, "custom_domain"))
    data, cdk = _domain_dict(value)
    external = data.get("is_external_domain", False)
    if not isinstance(external, bool):
        raise DomainError(
            "is_external_domain must be True or False.",
            given=external,
            path="custom_domain.is_external_domain",
        )
    mapping_path = check_mapping_path(data.get("path"), "custom_domain.path")
    cert = _certificate(cdk.get("certificate"))
    zone_attrs = _zone_attributes(cdk.get("hosted_zone"))
    if cdk.get("domain_name") is not None:
        existing = _existing_domain(cdk["domain_name"], mapping_path, wsnb_api_type)
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
        return existing
    return _new_domain(value, data, mapping_path, external, cert, zone_attrs)


def _domain_dict(value: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The custom_domain dict and its ``cdk`` part, snake_cased, with no unknown keys."""
    if not isinstance(value, dict):
        raise DomainError(
            f"custom_domain must be a string or a dict, not {type(value).__name__}.",
            given=value,
            allowed='"api.example.com" or {"domain_name", "hosted_zone", "path", "is_external_domain", "cdk"}',
        )
    data: dict[Any, Any] = {_CAMEL_DOMAIN.get(k, k): v for k, v in value.items()}  # unchecked
    unknown = set(data) - _DOMAIN_KEYS
    if unknown:
        raise DomainError(
            f"custom_domain has unknown key(s) {sorted(unknown)}.",
            given=value,
            allowed=", ".join(sorted(_DOMAIN_KEYS)),
            path="custom_domain",
        )
    cdk = data.get("cdk") or {}
    if not isinstance(cdk, dict) or set(cdk) - _DOMAIN_CDK_KEYS:
        raise DomainError(
            "custom_domain.cdk takes certificate, domain_name and hosted_zone.",
            given=cdk,
            path="custom_domain.cdk",
        )
    cdk_data: dict[Any, Any] = {_CAMEL_DOMAIN.get(k, k): v for k, v in cdk.items()}
    return data, cdk_data


def _certificate(cert: Any) -> str | None:
    if cert is not None and (not isinstance(cert, str) or not _CERT_ARN.match(cert)):
        raise DomainError(
            "custom_domain.cdk.certificate must be an ACM certificate ARN.",
            given=cert,
            allowed="arn:aws:acm:<region>:<account>:certificate/<id>",
            path="custom_domain.cdk.certificate",
        )
    return cert


def _zone_attributes(given: Any) -> dict[str, str] | None:
    """``cdk.hosted_zone``: an existing zone's id and name (camelCase accepted)."""
    if given is None:
        return None
    attrs = given
    if isinstance(attrs, dict):
        attrs = {
            {"hostedZoneId": "hosted_zone_id", "zoneName": "zone_name"}.get(k, k): v
            for k, v in attrs.items()
        }
    if (
        not isinstance(attrs, dict)
        or set(attrs) != {"hosted_zone_id", "zone_name"}
        or not isinstance(attrs["hosted_zone_id"], str)
        or not _ZONE_ID.match(attrs["hosted_zone_id"])
    ):
        raise DomainError(
            "custom_domain.cdk.hosted_zone must be {'hosted_zone_id', 'zone_name'}.",
            given=given,
            fix='{"hosted_zone_id": "Z0123456789ABC", "zone_name": "example.com"}',
            path="custom_domain.cdk.hosted_zone",
        )
    return {
        "hosted_zone_id": attrs["hosted_zone_id"],
        "zone_name": check_domain_name(
            attrs["zone_name"], "custom_domain.cdk.hosted_zone.zone_name", wildcard=False
        ),
    }


def _existing_domain(
    dn: Any, mapping_path: str | None, wsnb_api_type: type[Any] | None
) -> DomainSpec:
    """Map onto another wsnb API's domain (``shared_from``) or an imported one."""
    if wsnb_api_type is not None and isinstance(dn, wsnb_api_type):
        other = dn._spec.custom_domain
        if other is None:
            raise DomainError(
                f"WebSocketApi {dn.id!r} has no custom domain to share.",
                given=dn,
                fix=f"give {dn.id!r} a custom_domain first, then map this API onto it with a path",
                path="custom_domain.cdk.domain_name",
            )
        return DomainSpec(path=mapping_path, shared_from={"api": dn.id, "domain_name": other.name})
    if isinstance(dn, dict) and set(dn) == {"api", "domain_name"}:
        shared = {
            "api": str(dn["api"]),
            "domain_name": check_domain_name(dn["domain_name"], "custom_domain.cdk.domain_name"),
        }
        return DomainSpec(path=mapping_path, shared_from=shared)
    if isinstance(dn, dict):
        return DomainSpec(path=mapping_path, imported=_imported_domain(dn))
    raise DomainError(
        "custom_domain.cdk.domain_name must be another WebSocketApi or imported domain attributes.",
        given=dn,
        path="custom_domain.cdk.domain_name",
    )


def _imported_domain(dn: dict[str, Any]) -> dict[str, str]:
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
    return imported


def _new_domain(
    value: Any,
    data: dict[str, Any],
    mapping_path: str | None,
    external: bool,
    cert: str | None,
    zone_attrs: dict[str, str] | None,
) -> DomainSpec:
    """A domain wsnb creates: its name, and the hosted zone (or external DNS) behind it."""
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
        _check_external(value, cert, zone or zone_attrs)
    if zone and zone_attrs and zone != zone_attrs["zone_name"]:
        raise DomainError(
            "hosted_zone and cdk.hosted_zone.zone_name disagree.", given=value, path="custom_domain"
        )
    zone_name = (
        (zone_attrs or {}).get("zone_name") or zone or (None if external else name.split(".", 1)[1])
    )
    if zone_name:
        _check_zone(value, name, zone_name)
    return DomainSpec(
        domain_name=name,
        hosted_zone=zone,
        path=mapping_path,
        is_external_domain=external,
        certificate_arn=cert,
        hosted_zone_attributes=zone_attrs,
    )


def _check_external(value: Any, cert: str | None, zone: Any) -> None:
    if not cert:
        raise DomainError(
            "An externally hosted domain needs a certificate: wsnb cannot validate one without Route 53.",
            given=value,
            fix='custom_domain={"is_external_domain": True, "domain_name": ..., "cdk": {"certificate": "arn:aws:acm:..."}}',
            path="custom_domain.cdk.certificate",
        )
    if zone:
        raise DomainError(
            "An externally hosted domain has no Route 53 hosted zone.",
            given=value,
            fix="remove hosted_zone, or set is_external_domain=False",
            path="custom_domain",
        )


def _check_zone(value: Any, name: str, zone_name: str) -> None:
    if not (name == zone_name or name.endswith("." + zone_name)):
        raise DomainError(
            f"Domain {name!r} is not inside hosted zone {zone_name!r}.",
            given=value,
            fix=f'hosted_zone="{name.split(".", 1)[1]}"',
            path="custom_domain.hosted_zone",
        )
    if "." not in zone_name:
        raise DomainError(
            f"Domain {name!r} is a top-level domain; wsnb cannot find its hosted zone by stripping a label.",
            given=value,
            fix='pass hosted_zone="..." explicitly',
            path="custom_domain",
        )
