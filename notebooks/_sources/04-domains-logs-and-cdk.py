# %% [markdown]
# # 04 · Custom domains, access logs, and the CloudFormation behind them
#
# Out of the box an API lives at `wss://<api-id>.execute-api.<region>.amazonaws.com/<stage>`,
# with an id you only learn after deploying. A **custom domain** gives it a stable name; an
# **access log** records every connection and message. Both are mostly CloudFormation plumbing
# (certificates, DNS records, log groups) — so this notebook also *synthesizes* each variant and
# looks at what comes out.
#
# Synth needs no AWS account: aws-cdk-lib runs in this kernel, and the one thing it would look up
# in your account — the Route 53 hosted zone of the domain — is answered from `context=`, the way
# `cdk.context.json` does it in a CDK app.

# %%
import json

from wsnb import WebSocketApi, WsnbError

ACCOUNT, REGION = "123456789012", "us-east-1"
CONTEXT = {
    # what `cdk synth` would cache after looking up the hosted zone "domain.com"
    f"hosted-zone:account={ACCOUNT}:domainName=domain.com:region={REGION}": {
        "Id": "/hostedzone/Z0123456789EXAMPLE",
        "Name": "domain.com.",
    },
}


def synth(api):
    """Synthesize offline for our fake account, with the hosted-zone answer above."""
    return api.synth(account=ACCOUNT, region=REGION, context=CONTEXT)


def show(result, *types):
    """Print the properties of every resource of the given CloudFormation types."""
    for resource in result.template["Resources"].values():
        if resource["Type"] in types:
            print(resource["Type"])
            print("   ", json.dumps(resource.get("Properties", {}), sort_keys=True))

# %% [markdown]
# ## A domain in Route 53
#
# The simplest form is a string. wsnb finds the hosted zone by dropping the first label
# (`api.domain.com` → `domain.com`), creates a DNS-validated certificate, the API Gateway domain,
# the mapping of the API's stage onto it, and A + AAAA alias records.

# %%
# seed: Custom domains: Using the basic config
api = WebSocketApi("Api",
    custom_domain="api.domain.com",
    routes={
        "$default": "src/default.main",
    },
)
api.custom_domain_url

# %% [markdown]
# The API itself, as every notebook shows it — its routes, and the domain in the diagram:

# %%
api

# %%
result = synth(api)
result

# %% [markdown]
# The result shows the resource counts, anything to know before deploying, and (folded) the whole
# template; `result.template` is the CloudFormation dict. The domain part of it:

# %%
show(result,
     "AWS::CertificateManager::Certificate",
     "AWS::ApiGatewayV2::DomainName",
     "AWS::ApiGatewayV2::ApiMapping",
     "AWS::Route53::RecordSet")

# %% [markdown]
# The SST reference writes the same with `example.com`:

# %%
# seed: customDomain: api.example.com
api = WebSocketApi("Api", custom_domain="api.example.com")
api.custom_domain_url

# %% [markdown]
# A wildcard works the same way; the zone is `domain.com`:

# %%
# seed: Configuring with a wildcard
api = WebSocketApi("Api",
    custom_domain="*.domain.com",
    routes={
        "$default": "src/default.main",
    },
)
print(api.custom_domain_url)
print(synth(api).resource_counts["AWS::Route53::RecordSet"], "alias records")

# %% [markdown]
# ### The full form: hosted zone and path
#
# `hosted_zone` names the zone when dropping the first label is wrong (`api.eu.domain.com` in
# zone `domain.com`). `path` maps the API under a prefix, so several APIs can share one domain;
# note the trailing slash in the URL, as API Gateway serves it.

# %%
# seed: Using the full config
api = WebSocketApi("Api",
    custom_domain={
        "domain_name": "api.domain.com",
        "hosted_zone": "domain.com",
        "path": "v1",
    },
    routes={
        "$default": "src/default.main",
    },
)
print(api.custom_domain_url)
show(synth(api), "AWS::ApiGatewayV2::ApiMapping")

# %% [markdown]
# The SST reference shows the full form with `api.example.com` in the zone `domain.com`. Taken
# literally that cannot work — a record for `api.example.com` cannot live in the zone
# `domain.com` — and wsnb says so when the API is built instead of when Route 53 refuses it:

# %% tags=["raises-exception"]
# seed: customDomain: full config
api = WebSocketApi("Api",
    custom_domain={
        "domain_name": "api.example.com",
        "hosted_zone": "domain.com",
        "path": "v1",
    },
)

# %%
api = WebSocketApi("Api",
    custom_domain={
        "domain_name": "api.example.com",
        "hosted_zone": "example.com",
        "path": "v1",
    },
)
api.custom_domain_url

# %% [markdown]
# Without the hosted-zone answer, synth would have to ask AWS. It does not: it stops and tells you
# exactly which `context` key to provide (or which of `account`/`region` is missing):

# %% tags=["raises-exception"]
WebSocketApi("Api", custom_domain="api.other.com", routes={"$default": "src/default.main"}).synth(
    account=ACCOUNT, region=REGION
)

# %% [markdown]
# ### Mapping several APIs to one domain
#
# In SST this example shares the domain of an `HttpApi`. wsnb only models WebSocket APIs, and AWS
# does not allow a domain that serves HTTP or REST APIs to also serve WebSocket APIs anyway — so
# here the domain belongs to another `WebSocketApi`. Pass that API itself as
# `cdk.domain_name`: this API only adds its own mapping (path `chat`) onto the shared domain.

# %%
# seed: Mapping multiple APIs to the same domain
core_api = WebSocketApi("CoreApi",
    custom_domain={
        "domain_name": "api.domain.com",
        "path": "core",
    },
    routes={"$default": "src/default.main"},
)

api = WebSocketApi("WebSocketApi",
    custom_domain={
        "path": "chat",
        "cdk": {
            "domain_name": core_api,
        },
    },
    routes={"$default": "src/default.main"},
)
print(core_api.custom_domain_url)
print(api.custom_domain_url)
show(synth(api), "AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping")

# %% [markdown]
# ### Using a domain that already exists
#
# A domain created elsewhere (another stack, the console) is described by its three attributes —
# SST's `DomainName.fromDomainNameAttributes`. Again only the mapping is created:

# %%
# seed: Importing an existing API Gateway custom domain
api = WebSocketApi("Api",
    custom_domain={
        "path": "newPath",
        "cdk": {
            "domain_name": {
                "name": "api.domain.com",
                "regional_domain_name": "d-abcdef1234.execute-api.us-east-1.amazonaws.com",
                "regional_hosted_zone_id": "Z1UJRXOUMOOFQ8",
            },
        },
    },
    routes={
        "$default": "src/default.main",
    },
)
print(api.custom_domain_url)
result = synth(api)
print(sorted(result.resource_counts))

# %% [markdown]
# ### Bringing your own certificate
#
# Give the ARN of an ACM certificate (in the API's region) instead of having one created —
# SST's `Certificate.fromCertificateArn`:

# %%
# seed: Importing an existing certificate
cert_arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"

api = WebSocketApi("Api",
    custom_domain={
        "domain_name": "api.domain.com",
        "cdk": {
            "certificate": cert_arn,
        },
    },
    routes={
        "$default": "src/default.main",
    },
)
result = synth(api)
print("certificates created:", result.resource_counts.get("AWS::CertificateManager::Certificate", 0))
show(result, "AWS::ApiGatewayV2::DomainName")

# %% [markdown]
# ### A domain hosted outside Route 53
#
# With `is_external_domain=True` wsnb creates no DNS records (it cannot), so it needs your
# certificate; afterwards, point a CNAME at the domain's `regional_domain_name` at your DNS host.

# %%
# seed: Using externally hosted domain
api = WebSocketApi("Api",
    custom_domain={
        "is_external_domain": True,
        "domain_name": "api.domain.com",
        "cdk": {
            "certificate": cert_arn,
        },
    },
    routes={
        "$default": "src/default.main",
    },
)
result = synth(api)
print("DNS records created:", result.resource_counts.get("AWS::Route53::RecordSet", 0))

# %% [markdown]
# …and without a certificate it says what is missing, when you build it — not at deploy time:

# %% tags=["raises-exception"]
WebSocketApi("Api", custom_domain={"is_external_domain": True, "domain_name": "api.domain.com"})

# %% [markdown]
# ## Access logs
#
# Access logs are **on by default** (as in SST): a CloudWatch log group and one JSON line per
# event with 14 fields — who connected, which route ran, the status, the latencies.

# %%
# seed: accessLog: true
api = WebSocketApi("Api", access_log=True, routes={"$default": "src/default.main"})
result = synth(api)
stage = next(r for r in result.template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Stage")
log_format = stage["Properties"]["AccessLogSettings"]["Format"]
for field in log_format.strip("{}").split(","):
    print(field)

# %% [markdown]
# Before the first deploy, note the warning above (also in `api.lint()`): API Gateway writes logs
# only once your account has an API Gateway CloudWatch role. wsnb tells you now, rather than the
# deploy failing later.
#
# A format string replaces the JSON line — for example CSV:

# %%
# seed: Configuring the log format
api = WebSocketApi("Api",
    access_log="$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId",
    routes={
        "$default": "src/default.main",
    },
)
stage = next(r for r in synth(api).template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Stage")
stage["Properties"]["AccessLogSettings"]["Format"]

# %% [markdown]
# Logs are kept forever unless you say otherwise:

# %%
# seed: Configuring the log retention setting
api = WebSocketApi("Api",
    access_log={
        "retention": "one_week",
    },
    routes={
        "$default": "src/default.main",
    },
)
show(synth(api), "AWS::Logs::LogGroup")

# %%
# seed: accessLog: retention
api = WebSocketApi("Api", access_log={"retention": "one_week"})
api.spec.access_log

# %% [markdown]
# `destination_arn` sends the logs to a log group you already have, and `access_log=False` turns
# logging off. A typo in the retention gets the list of allowed values:

# %% tags=["raises-exception"]
WebSocketApi("Api", access_log={"retention": "one_wek"})

# %% [markdown]
# ## Reaching into the CDK constructs
#
# `cdk=` passes props straight to the underlying CDK constructs (in `snake_case`). Name the API
# yourself instead of wsnb's `<stage>-<app>-<id>`:

# %%
# seed: Configuring the WebSocket Api
api = WebSocketApi("Api",
    cdk={
        "web_socket_api": {
            "api_name": "chat-app-api",
        },
    },
    routes={
        "$default": "src/default.main",
    },
)
show(synth(api), "AWS::ApiGatewayV2::Api")

# %%
# seed: cdk.webSocketApi
api = WebSocketApi("WebSocketApi",
    cdk={
        "web_socket_api": {
            "api_name": "my-websocket-api",
        },
    },
)
api.spec.cdk

# %% [markdown]
# …or change the stage, e.g. turn off automatic deployment so changes wait for an explicit
# deployment:

# %%
# seed: cdk.webSocketStage
api = WebSocketApi("WebSocketApi",
    cdk={
        "web_socket_stage": {
            "auto_deploy": False,
        },
    },
    routes={"$default": "src/default.main"},
)
stage = next(r for r in synth(api).template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Stage")
print(stage["Properties"]["StageName"], stage["Properties"]["AutoDeploy"])

# %% [markdown]
# `app` and `stage` name the stack and the API, as in SST (`<stage>-<app>-<id>`):

# %%
result = WebSocketApi("Api", routes={"$default": "src/default.main"}).synth(app="chat", stage="prod")
print(result.stack_name)
show(result, "AWS::ApiGatewayV2::Api")
