"""Every example of the SST ``WebSocketApi`` doc (the seed) has a runnable tutorial cell.

Each seed example is listed below with a snippet of the SST doc it comes from and the wsnb code
its cell must contain. A notebook code cell claims an example with a comment line
``# seed: <title>``; removing that cell, its comment, or the wsnb code in it fails the test.
When the seed document itself is available (``WSNB_SEED_DOC`` or the shared checkout path), the
list is also checked against it: every doc snippet is there and no example is missing.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
_SEED_REL = Path("seed") / "websocketapi-sst-v1-doc.txt"


def _seed_doc() -> Path:
    """The SST doc: $WSNB_SEED_DOC, else shared/ beside the checkout (as CI lays it out)."""
    if os.environ.get("WSNB_SEED_DOC"):
        return Path(os.environ["WSNB_SEED_DOC"])
    for candidate in (ROOT.parent / "shared" / _SEED_REL, Path("/work/shared") / _SEED_REL):
        if candidate.is_file():
            return candidate
    return ROOT.parent / "shared" / _SEED_REL


SEED_DOC = _seed_doc()

R4 = '"$connect": "src/connect.main", "$default": "src/default.main", "$disconnect": "src/disconnect.main", "sendMessage": "src/sendMessage.main",'
R3 = '"$connect": "src/connect.main", "$default": "src/default.main", "$disconnect": "src/disconnect.main",'
DEFAULT = '"$default": "src/default.main",'

# (title, a snippet of the SST example, wsnb code its cell must contain)
SEED_EXAMPLES: list[tuple[str, str, list[str]]] = [
    ("Minimal Config", "Minimal Config", ['WebSocketApi("Api", routes={', R4]),
    (
        "Lazily adding routes",
        "api.addRoutes(this, {",
        [R3, 'api.add_routes({ "sendMessage": "src/sendMessage.main", })'],
    ),
    (
        "Specifying function props for all the routes",
        "Specifying function props for all the routes",
        [
            '"timeout": 20, "permissions": [table], "environment": {"tableName": table.table_name},',
            R3,
        ],
    ),
    (
        "Configuring an individual route",
        "Configure each Lambda route separately.",
        [
            '"$default": { "function": { "timeout": 20, "handler": "src/default.main", "permissions": [table], "environment": {"tableName": table.table_name},'
        ],
    ),
    (
        "Configuring an individual route (merged with defaults)",
        "environment: { bucketName: bucket.bucketName },",
        [
            '"handler": "src/default.main", "timeout": 10, "permissions": [bucket], "environment": {"bucketName": bucket.bucket_name},',
            '"$connect": "src/connect.main",',
        ],
    ),
    (
        "Getting the function for a route",
        'const function = api.getFunction("sendMessage");',
        [R4, 'api.get_function("sendMessage")'],
    ),
    (
        "Custom domains: Using the basic config",
        'customDomain: "api.domain.com",',
        ['custom_domain="api.domain.com",', DEFAULT],
    ),
    (
        "Configuring with a wildcard",
        'customDomain: "*.domain.com",',
        ['custom_domain="*.domain.com",', DEFAULT],
    ),
    (
        "Using the full config",
        'path: "v1",',
        ['"domain_name": "api.domain.com", "hosted_zone": "domain.com", "path": "v1",', DEFAULT],
    ),
    (
        "Mapping multiple APIs to the same domain",
        "Mapping multiple APIs to the same domain",
        [
            '"domain_name": "api.domain.com", "path": "core",',
            'WebSocketApi("WebSocketApi",',
            '"path": "chat", "cdk": { "domain_name": core_api, },',
        ],
    ),
    (
        "Importing an existing API Gateway custom domain",
        "DomainName.fromDomainNameAttributes",
        [
            '"path": "newPath",',
            '"name":',
            '"regional_domain_name":',
            '"regional_hosted_zone_id":',
            DEFAULT,
        ],
    ),
    (
        "Importing an existing certificate",
        "Importing an existing certificate",
        ['"domain_name": "api.domain.com", "cdk": { "certificate": cert_arn, },', DEFAULT],
    ),
    (
        "Using externally hosted domain",
        "isExternalDomain: true,",
        [
            '"is_external_domain": True, "domain_name": "api.domain.com", "cdk": { "certificate": cert_arn, },',
            DEFAULT,
        ],
    ),
    ("Adding IAM authorization", "Adding IAM authorization", ['authorizer="iam",', R3]),
    (
        "Adding Lambda authorization",
        'handler: "src/authorizer.main",',
        ['"type": "lambda", "function": Function("src/authorizer.main"),', R3],
    ),
    (
        "Configuring the log format",
        "$context.identity.sourceIp,$context.requestTime,$context.httpMethod",
        [
            'access_log="$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId",',
            DEFAULT,
        ],
    ),
    (
        "Configuring the log retention setting",
        "Configuring the log retention setting",
        ['access_log={ "retention": "one_week", },', DEFAULT],
    ),
    (
        "Attaching permissions for the entire API",
        "Allow the entire API to access S3.",
        [R4, 'api.attach_permissions(["s3"])'],
    ),
    (
        "Attaching permissions for a specific route",
        'api.attachPermissionsToRoute("$default", ["s3"]);',
        [R4, 'api.attach_permissions_to_route("$default", ["s3"])'],
    ),
    (
        "Configuring the WebSocket Api",
        'apiName: "chat-app-api",',
        ['cdk={ "web_socket_api": { "api_name": "chat-app-api", }, },', DEFAULT],
    ),
    ("accessLog: true", "accessLog: true", ["access_log=True"]),
    ("accessLog: retention", 'retention: "one_week",', ['access_log={"retention": "one_week"}']),
    ("authorizer: iam", 'authorizer: "iam",', ['WebSocketApi("Api", authorizer="iam")']),
    (
        "authorizer: lambda",
        'function: new WebSocketApi(stack, "Authorizer", {',
        ['"type": "lambda", "function": Function("test/lambda.handler"),'],
    ),
    (
        "customDomain: api.example.com",
        'customDomain: "api.example.com"',
        ['custom_domain="api.example.com"'],
    ),
    (
        "customDomain: full config",
        'domainName: "api.example.com",',
        ['"domain_name": "api.example.com", "hosted_zone": "domain.com", "path": "v1",'],
    ),
    (
        "defaults.function",
        "The default function props to be applied to all the Lambda functions in the API.",
        ['"timeout": 20, "environment": {"tableName": table.table_name}, "permissions": [table],'],
    ),
    ("routes", "The routes for the WebSocket API", ["routes={", R4]),
    (
        "cdk.webSocketApi",
        'apiName: "my-websocket-api"',
        ['WebSocketApi("WebSocketApi",', '"web_socket_api": { "api_name": "my-websocket-api", },'],
    ),
    (
        "cdk.webSocketStage",
        "autoDeploy: false",
        ['WebSocketApi("WebSocketApi",', '"web_socket_stage": { "auto_deploy": False, },'],
    ),
    (
        "addRoutes",
        'api.addRoutes(stack, {\n"$connect": "src/connect.main",',
        ['api.add_routes({ "$connect": "src/connect.main", })'],
    ),
    (
        "attachPermissions",
        "Attaches the given list of permissions to all the routes.",
        ['api.attach_permissions(["s3"])'],
    ),
    (
        "attachPermissionsToRoute",
        'api.attachPermissionsToRoute("$connect", ["s3"]);',
        ['api.attach_permissions_to_route("$connect", ["s3"])'],
    ),
    ("bind", "api.bind([STRIPE_KEY, bucket]);", ["api.bind([STRIPE_KEY, bucket])"]),
    (
        "bindToRoute",
        'api.bindToRoute("$connect", [STRIPE_KEY, bucket]);',
        ['api.bind_to_route("$connect", [STRIPE_KEY, bucket])'],
    ),
    (
        "getFunction",
        'const fn = api.getFunction("$connect");',
        ['fn = api.get_function("$connect")'],
    ),
    ("getRoute", 'const route = api.getRoute("$connect");', ['route = api.get_route("$connect")']),
    (
        "WebSocketApiLambdaAuthorizer",
        'function: new Function(stack, "Authorizer", {\nhandler: "test/lambda.handler",',
        ['"type": "lambda", "function": Function("test/lambda.handler"),'],
    ),
    (
        "WebSocketApiFunctionRouteProps",
        'sendMessage : {\nfunction: "src/sendMessage.main",',
        ['"sendMessage": { "function": "src/sendMessage.main", },'],
    ),
]

_SEED_TAG = re.compile(r"^\s*# seed: (.+?)\s*$", re.MULTILINE)

# Features beyond the seed doc that a tutorial must show: (tag, notebook, wsnb code its cell holds).
# A cell claims one with ``# beyond: <tag>``.
BEYOND_FEATURES: list[tuple[str, str, list[str]]] = [
    (
        "from_template",
        "07-bring-your-own-api.ipynb",
        ['WebSocketApi.from_template("sam-chat/template.yaml")'],
    ),
    (
        "typescript-handlers",
        "08-typescript-handlers.ipynb",
        ['WebSocketApi("Chat", root="ts-chat")', 'runtime="nodejs22.x"', '"src/connect.main"'],
    ),
    (
        "integrations",
        "09-integrations.ipynb",
        [
            "MockIntegration(request_templates=ACCEPT)",
            'LambdaIntegration("src/ask.main"',
            'invocation_type="Event"',
            'AwsIntegration.sqs_send_message("jobs")',
            'IntegrationResponse("$default", templates={"$default": GREET_REPLY})',
        ],
    ),
]
_BEYOND_TAG = re.compile(r"^\s*# beyond: (.+?)\s*$", re.MULTILINE)


@pytest.mark.parametrize(
    ("tag", "notebook", "wsnb_code"), BEYOND_FEATURES, ids=[t for t, _, _ in BEYOND_FEATURES]
)
def test_beyond_feature_has_an_executed_cell(tag: str, notebook: str, wsnb_code: list[str]) -> None:
    nb = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))
    cells = [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code" and tag in _BEYOND_TAG.findall("".join(c["source"]))
    ]
    assert cells, f"{notebook}: no code cell is marked '# beyond: {tag}'"
    for cell in cells:
        source = _squash("".join(cell["source"]))
        assert all(_squash(code) in source for code in wsnb_code), (
            f"{notebook}: '# beyond: {tag}' lacks {wsnb_code}"
        )
        assert cell.get("execution_count") is not None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _seed_cells() -> dict[str, list[tuple[str, dict]]]:
    """title -> [(notebook name, cell)] for every code cell carrying ``# seed: <title>``."""
    found: dict[str, list[tuple[str, dict]]] = {}
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            for title in _SEED_TAG.findall(source):
                found.setdefault(title, []).append((path.name, cell))
    return found


@pytest.fixture(scope="module")
def seed_cells() -> dict[str, list[tuple[str, dict]]]:
    return _seed_cells()


def test_titles_are_unique() -> None:
    titles = [title for title, _, _ in SEED_EXAMPLES]
    assert len(titles) == len(set(titles))


@pytest.mark.parametrize(
    ("title", "doc_snippet", "wsnb_code"), SEED_EXAMPLES, ids=[t for t, _, _ in SEED_EXAMPLES]
)
def test_seed_example_has_an_executed_cell(
    seed_cells, title: str, doc_snippet: str, wsnb_code: list[str]
) -> None:
    cells = seed_cells.get(title)
    assert cells, f"no notebook code cell is marked '# seed: {title}'"
    for notebook, cell in cells:
        source = _squash("".join(cell["source"]))
        missing = [code for code in wsnb_code if _squash(code) not in source]
        assert not missing, f"{notebook}: the '# seed: {title}' cell lacks {missing}"
        assert cell.get("execution_count") is not None, (
            f"{notebook}: the '# seed: {title}' cell was never executed"
        )


def test_every_seed_tag_names_a_listed_example(seed_cells) -> None:
    listed = {title for title, _, _ in SEED_EXAMPLES}
    assert set(seed_cells) <= listed, f"unknown seed titles: {sorted(set(seed_cells) - listed)}"


# ---------------------------------------------------------------------- against the seed document

_EXAMPLE_START = re.compile(
    r"^(?:const (\w+) = )?(?:new (?:WebSocketApi|HttpApi)\((?:stack|this), |api\.\w+\()"
)


def count_doc_examples(text: str) -> int:
    """Code examples in the seed doc: each unindented ``new WebSocketApi(stack, ...`` /
    ``api.method(`` starts one, except that a line right after an example that began with
    ``const x = ...`` (within a few lines, no prose between) continues that example."""
    count = 0
    lines = text.splitlines()
    open_const_at: int | None = None
    for index, line in enumerate(lines):
        match = _EXAMPLE_START.match(line)
        if not match and not re.match(r"^const \w+ = api\.", line):
            if line.strip() and not line.rstrip().endswith(tuple("{},;()[]")):
                open_const_at = None  # prose (a heading, a sentence) ends an example
            continue
        if open_const_at is not None and index - open_const_at <= 12:
            open_const_at = None
            continue
        count += 1
        open_const_at = index if line.startswith("const ") else None
    return count


@pytest.mark.skipif(not SEED_DOC.is_file(), reason="the seed document is not available here")
def test_list_matches_the_seed_document() -> None:
    text = SEED_DOC.read_text(encoding="utf-8")
    absent = [title for title, snippet, _ in SEED_EXAMPLES if snippet not in text]
    assert not absent, f"doc snippets not found in the seed doc: {absent}"
    assert count_doc_examples(text) == len(SEED_EXAMPLES)
