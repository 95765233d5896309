"""AWS service integrations run against the local moto backends.

API Gateway calls the service with the integration request ("Set up a WebSocket API
integration request in API Gateway"; the URI is ``arn:aws:apigateway:<region>:<service>:
action/<Action>`` or ``…:path/<path>``). Locally the same request goes to moto's in-process
backend through :func:`._moto.send`, signed (SigV4, local credentials) as API Gateway signs it
with its role:

* ``action/<Action>`` of a JSON-protocol service (DynamoDB, Kinesis, EventBridge, …; botocore's
  service model says which and gives the target prefix): ``POST /`` with ``X-Amz-Target:
  <prefix>.<Action>`` and the template's output as the JSON body;
* ``action/<Action>`` of a query-protocol service (SNS), or any action whose request parameters
  set a form ``Content-Type``: ``POST /?Action=<Action>`` with the form body;
* ``path/<path>`` (SQS ``{account}/<queue>``, S3 ``<bucket>/<key>``): the integration's method
  to that path, ``{region}``/``{account}`` and ``{name}`` path parameters filled in.

A query-protocol service answers XML; API Gateway asks for JSON, so the answer is given as the
JSON rendering of that XML (``{"SendMessageResponse": {"SendMessageResult": {...}, ...}}``,
as AWS answers an SQS integration). Queues, streams, buses, topics and buckets an integration
names are created locally when missing (:func:`ensure_resources`).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlencode

from ..model import LOCAL_SERVICES, AwsIntegration
from . import _moto

log = logging.getLogger("wsnb.local")

#: The credentials local service requests are signed with (moto accepts any).
_CREDENTIALS = ("wsnb-local", "wsnb-local")
_FORM = "application/x-www-form-urlencoded"
#: moto's backend module for each service wsnb emulates.
_MOTO_MODULES = {"events": "events", "kinesis": "kinesis", "sns": "sns", "sqs": "sqs"}
_session_lock = threading.Lock()
_session: Any = None


@dataclass(frozen=True)
class ServiceAnswer:
    """What the service answered: status, headers (names as sent), body (text)."""

    status: int
    headers: dict[str, str]
    body: str


def _service_model(service: str) -> Any:
    global _session
    with _session_lock:
        if _session is None:
            import botocore.session

            _session = botocore.session.get_session()
        return _session.get_service_model(service)


@functools.cache
def unavailable(service: str) -> str | None:
    """Why moto, as installed, cannot serve ``service`` (None: it can)."""
    if service not in LOCAL_SERVICES:
        return f"no local {service} (wsnb emulates {', '.join(LOCAL_SERVICES)})"
    module = _MOTO_MODULES.get(service)
    try:
        import importlib

        importlib.import_module("moto")
        if module is not None:
            importlib.import_module(f"moto.{module}.models")
        _service_model(service)
    except Exception as exc:  # a missing extra's dependency, an old botocore
        return f"moto cannot serve {service} here ({type(exc).__name__}: {exc})"
    return None


def fill_path(path: str, *, region: str, account: str, params: dict[str, str]) -> str:
    """The integration path with ``{region}``, ``{account}`` and path parameters filled in."""

    def sub(m: re.Match[str]) -> str:
        name = m[1]
        if name == "region":
            return region
        if name == "account":
            return account
        return quote(params.get(name, m[0]), safe="")

    return re.sub(r"\{([^}]+)\}", sub, path)


def call(
    integration: AwsIntegration,
    body: str,
    *,
    headers: dict[str, str],
    querystring: dict[str, str],
    path_params: dict[str, str],
    region: str,
    account: str,
) -> ServiceAnswer:
    """Send the integration request to the local service and return its answer (blocking:
    run it on a worker thread)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    service = integration.service
    model = _service_model(service)
    protocol = model.metadata.get("protocol", "")
    sent = {k: v for k, v in headers.items()}
    content_type = next((v for k, v in sent.items() if k.lower() == "content-type"), None)
    query = dict(querystring)
    form = False
    if integration.action is not None:
        path = ""
        if protocol in ("query", "ec2") or (content_type or "").startswith(_FORM):
            form = True
            query = {"Action": integration.action, **query}
            sent.setdefault("Content-Type", _FORM)
        elif protocol == "json":
            sent["X-Amz-Target"] = f"{model.metadata['targetPrefix']}.{integration.action}"
            if content_type is None:
                version = model.metadata.get("jsonVersion", "1.0")
                sent["Content-Type"] = f"application/x-amz-json-{version}"
        else:
            raise ValueError(
                f"{service} is a {protocol} service: give the integration a path, not an action"
            )
        method = "POST"
    else:
        assert integration.path is not None
        path = fill_path(integration.path, region=region, account=account, params=path_params)
        method = integration.method if integration.method not in (None, "ANY") else "POST"
        form = (content_type or "").startswith(_FORM) or (
            protocol in ("query", "ec2") and body.lstrip()[:1] not in ("{", "[")
        )
    url = f"{_moto.ENDPOINTS[service]}/{path}"
    if query:
        url += "?" + urlencode(query)
    request = AWSRequest(method=method, url=url, data=body.encode("utf-8"), headers=sent)
    SigV4Auth(Credentials(*_CREDENTIALS), model.signing_name, region).add_auth(request)
    response = _moto.send(request.prepare())
    text = (response.content or b"").decode("utf-8", errors="replace")
    out_headers = {str(k): str(v) for k, v in response.headers.items()}
    if form and text.lstrip().startswith("<"):
        text = xml_to_json(text)
        out_headers = {k: v for k, v in out_headers.items() if k.lower() != "content-type"}
        out_headers["Content-Type"] = "application/json"
    return ServiceAnswer(response.status_code, out_headers, text)


def xml_to_json(text: str) -> str:
    """A query-protocol XML answer as JSON: each element an object of its children, a leaf its
    text, repeated elements a list (namespaces dropped)."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return text

    def name(element: ElementTree.Element) -> str:
        return element.tag.rsplit("}", 1)[-1]

    def value(element: ElementTree.Element) -> Any:
        children = list(element)
        if not children:
            return element.text
        out: dict[str, Any] = {}
        for child in children:
            key, item = name(child), value(child)
            if key in out:
                if not isinstance(out[key], list):
                    out[key] = [out[key]]
                out[key].append(item)
            else:
                out[key] = item
        return out

    return json.dumps({name(root): value(root)})


# ---------------------------------------------------------------------- resources


_STREAM = re.compile(r'"StreamName"\s*:\s*"([A-Za-z0-9_.-]+)"')
_BUS = re.compile(r'"EventBusName"\s*:\s*"([A-Za-z0-9/_.-]+)"')
_TABLE = re.compile(r'"TableName"\s*:\s*"([A-Za-z0-9_.-]+)"')
_TOPIC = re.compile(r"arn:aws[a-z-]*:sns:[^:\s\"']*:[^:\s\"']*:([A-Za-z0-9_-]+(?:\.fifo)?)")
_QUEUE_URL = re.compile(r"QueueUrl=([^&\s\"']+)")


def referenced(integration: AwsIntegration, templates: list[str]) -> list[tuple[str, str]]:
    """``(kind, name)`` of the local resources the integration writes to, as its path and
    request templates name them: ``queue``, ``stream``, ``bus``, ``topic``, ``bucket``, and
    ``table`` (a DynamoDB table not made by wsnb: reported, not created)."""
    service = integration.service
    text = "\n".join(templates)
    found: list[tuple[str, str]] = []
    path = (integration.path or "").strip("/")
    if service == "sqs":
        if integration.path and "/" in path:
            found.append(("queue", path.rsplit("/", 1)[-1]))
        for url in _QUEUE_URL.findall(text):
            name = unquote(url).rstrip("/").rsplit("/", 1)[-1]
            if name and "$" not in name:
                found.append(("queue", name))
    elif service == "kinesis":
        found += [("stream", n) for n in _STREAM.findall(text)]
    elif service == "events":
        found += [("bus", n) for n in _BUS.findall(text) if n != "default"]
    elif service == "sns":
        found += [("topic", n) for n in _TOPIC.findall(unquote(text))]
    elif service == "s3" and path and not path.startswith("{"):
        found.append(("bucket", path.split("/", 1)[0]))
    elif service == "dynamodb":
        found += [("table", n) for n in _TABLE.findall(text)]
    return list(dict.fromkeys(r for r in found if "{" not in r[1]))


def ensure_resources(wanted: list[tuple[str, str]], region: str) -> list[tuple[str, str]]:
    """Create the queues, streams, buses, topics and buckets in ``wanted`` that do not exist
    locally; return those created. (Tables are not created: their keys are unknown.)"""
    created = []
    for kind, name in wanted:
        try:
            if _create(kind, name, region):
                created.append((kind, name))
        except Exception as exc:  # one bad name never stops the others
            log.error("creating local %s %r failed: %s", kind, name, exc)
    return created


def _create(kind: str, name: str, region: str) -> bool:
    if kind == "queue":
        client = _moto.local_client("sqs", region)
        try:
            client.get_queue_url(QueueName=name)
            return False
        except client.exceptions.QueueDoesNotExist:
            attributes = {"FifoQueue": "true"} if name.endswith(".fifo") else {}
            client.create_queue(QueueName=name, Attributes=attributes)
            return True
    if kind == "stream":
        client = _moto.local_client("kinesis", region)
        try:
            client.describe_stream_summary(StreamName=name)
            return False
        except client.exceptions.ResourceNotFoundException:
            client.create_stream(StreamName=name, ShardCount=1)
            return True
    if kind == "bus":
        client = _moto.local_client("events", region)
        try:
            client.describe_event_bus(Name=name)
            return False
        except client.exceptions.ResourceNotFoundException:
            client.create_event_bus(Name=name)
            return True
    if kind == "topic":
        client = _moto.local_client("sns", region)
        topics = client.list_topics().get("Topics", [])
        if any(t["TopicArn"].rsplit(":", 1)[-1] == name for t in topics):
            return False
        attributes = {"FifoTopic": "true"} if name.endswith(".fifo") else {}
        client.create_topic(Name=name, Attributes=attributes)
        return True
    if kind == "bucket":
        client = _moto.local_client("s3", region)
        try:
            client.head_bucket(Bucket=name)
            return False
        except Exception:
            kwargs: dict[str, Any] = {"Bucket": name}
            if region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
            client.create_bucket(**kwargs)
            return True
    return False


def table_exists(name: str, region: str) -> bool:
    client = _moto.local_client("dynamodb", region)
    try:
        client.describe_table(TableName=name)
    except client.exceptions.ResourceNotFoundException:
        return False
    return True
