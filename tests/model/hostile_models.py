"""Hypothesis strategies for SST-shaped API dicts and builder calls full of hostile values.

Shared by ``tests/model/test_fuzz_synth.py`` (small, in CI) and ``benchmarks/fuzz_models.py``
(a larger run that also checks export and ``to_cdk``). Values are mostly plausible so that a fair
share of models build; the rest are quotes, newlines, ``${...}``, CDK tokens, dynamic references,
non-finite and CDK-token numbers, long and unicode text.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from wsnb import Bucket, Parameter, Secret, Table, WebSocketApi

HANDLER_FILES = ("src/a.py", "src/b.py")
HANDLER_SOURCE = "def main(event, context):\n    return {'statusCode': 200}\n"

TABLE = Table(
    "Conns",
    fields={"id": "string", "room": "string"},
    primary_index={"partition_key": "id"},
    global_indexes={"byRoom": {"partition_key": "room"}},
)
BUCKET = Bucket("Uploads")
SECRET = Secret("STRIPE_KEY")
PARAM = Parameter("COLOR", "blue")

HOSTILE_TEXT = [
    "",
    " ",
    "'",
    '"',
    "\\",
    "a\nb",
    "a\rb",
    "tab\there",
    "${x}",
    "${Token[TOKEN.1]}",
    "#{Token[TOKEN.1]}",
    "x${Token[AWS.AccountId.4]}",
    "${ Token[ TOKEN.9 ]}",
    "{{resolve:ssm:/p}}",
    "{{resolve:secretsmanager:s:SecretString:k}}",
    "${wsnb:Table/Conns.table_name}",
    "${wsnb:Table/Nope.table_name}",
    "é漢字🙂",
    "\x00",
    "x" * 300,
    "x" * 5000,
    "'); import os; os.system('x') #",
    '"""',
    "Fn::GetAtt",
    "*",
    "s3",
    "arn:aws:s3:::b/*",
]
HOSTILE_NUMBERS = [
    math.inf,
    -math.inf,
    math.nan,
    -1.8881545897087626e289,
    2**64,
    -1,
    0,
    0.5,
    1e308,
]

text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=20))
number = st.one_of(st.sampled_from(HOSTILE_NUMBERS), st.integers(-10, 20000), st.floats())
scalar = st.one_of(text, number, st.booleans(), st.none())
env_name = st.one_of(st.sampled_from(["TABLE", "A", "_X", "MY_VAR", "1A", "AWS_X"]), text)

statement = st.fixed_dictionaries(
    {},
    optional={
        "Sid": st.one_of(st.sampled_from(["Read1", "read one", ""]), text),
        "Effect": st.sampled_from(["Allow", "Deny", "allow", "Maybe"]),
        "Action": st.one_of(
            st.sampled_from(["s3:GetObject", "s3:Get*", "*", "s3", [], ["sqs:Send", "bad"]]),
            text,
            st.lists(text, max_size=2),
        ),
        "NotAction": st.sampled_from(["s3:PutObject", ["iam:*"]]),
        "Resource": st.one_of(
            st.sampled_from(["*", "arn:aws:s3:::b/*", [], "bucket"]),
            text.map(lambda t: "arn:aws:s3:::" + t),
            st.lists(text, max_size=2),
        ),
        "Condition": st.one_of(
            st.just({"Bool": {"aws:SecureTransport": True}}),
            st.dictionaries(text, st.dictionaries(text, scalar, max_size=2), max_size=2),
            scalar,
        ),
    },
)
permission = st.one_of(
    st.sampled_from(["s3", "*", "sqs:SendMessage", "bad perm", TABLE, BUCKET, SECRET]),
    statement,
    text,
)
prop_values: dict[str, Any] = {
    "timeout": st.one_of(st.integers(1, 900), number, text, st.sampled_from(["5 seconds"])),
    "memory_size": st.one_of(st.integers(128, 10240), number, st.just("1 GB")),
    "runtime": st.sampled_from(["python3.12", "python3.11", "nodejs", "python_3_12"]),
    "architecture": st.sampled_from(["x86_64", "arm_64", "arm64x"]),
    "tracing": st.sampled_from(["active", "pass_through", "disabled", "on"]),
    "environment": st.dictionaries(env_name, st.one_of(text, number), max_size=3),
    "permissions": st.lists(permission, max_size=3),
    "layers": st.one_of(
        st.just(["arn:aws:lambda:us-east-1:123456789012:layer:util:3"]),
        st.lists(text, max_size=1),
    ),
    "bind": st.lists(st.sampled_from([TABLE, BUCKET, SECRET, PARAM]), max_size=2),
    "description": text,
    "function_name": st.one_of(st.sampled_from(["fn-one", "fn_two", ""]), text),
    "reserved_concurrent_executions": st.one_of(st.integers(0, 10), number, text),
    "ephemeral_storage_size": st.one_of(st.integers(512, 10240), number),
}
props = st.fixed_dictionaries({}, optional=prop_values)
handler = st.one_of(st.sampled_from(["src/a.main", "src/b.main"]), text)
route_key = st.one_of(
    st.sampled_from(["$connect", "$disconnect", "$default", "send", "x", "xLayer1", "Lambda_x"]),
    text,
)
route_value = st.one_of(
    handler,
    st.builds(lambda h, p: {"function": {"handler": h, **p}}, handler, props),
    st.builds(
        lambda h, rr: {"function": h, "return_response": rr}, handler, st.sampled_from([True, 1])
    ),
)
cdk = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.just("Chat"), text),
        "web_socket_api": st.one_of(
            st.just("abc123"),
            st.fixed_dictionaries(
                {},
                optional={
                    "api_name": text,
                    "description": text,
                    "route_selection_expression": text,
                },
            ),
        ),
        "web_socket_stage": st.one_of(
            st.just("prod"),
            st.fixed_dictionaries(
                {},
                optional={
                    "stage_name": st.one_of(st.just("live"), text),
                    "throttle": st.fixed_dictionaries(
                        {}, optional={"rate_limit": number, "burst_limit": number}
                    ),
                    "description": text,
                },
            ),
        ),
    },
)
access_log = st.one_of(
    st.booleans(),
    st.none(),
    text.map(lambda t: "$context.requestId " + t),
    st.fixed_dictionaries(
        {},
        optional={
            "format": text.map(lambda t: t + " $context.extendedRequestId"),
            "retention": st.sampled_from(["one_week", "forever", "1 week"]),
        },
    ),
)
authorizer = st.one_of(
    st.sampled_from(["none", "iam", None]),
    st.builds(
        lambda h, p, n: {"type": "lambda", "function": {"handler": h, **p}, "name": n},
        handler,
        props,
        st.one_of(st.none(), text),
    ),
)
sst_dict = st.fixed_dictionaries(
    {"routes": st.dictionaries(route_key, route_value, min_size=1, max_size=3)},
    optional={
        "defaults": props.map(lambda p: {"function": p}),
        "authorizer": authorizer,
        "access_log": access_log,
        "cdk": cdk,
    },
)
builder_call = st.one_of(
    st.tuples(st.just("route"), route_key, handler, props),
    st.tuples(st.just("defaults"), props),
    st.tuples(st.just("attach_permissions"), st.lists(permission, max_size=2)),
    st.tuples(
        st.just("bind"), st.lists(st.sampled_from([TABLE, BUCKET, SECRET, PARAM]), max_size=2)
    ),
    st.tuples(st.just("authorizer"), authorizer),
    st.tuples(st.just("access_log"), access_log),
)


def write_handlers(root: Path) -> None:
    for rel in HANDLER_FILES:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HANDLER_SOURCE)


def apply(api: WebSocketApi, call: tuple) -> None:
    """One builder call from :data:`builder_call`."""
    name, *args = call
    if name == "route":
        key, handler_, props_ = args
        api.route(key, handler_, **props_)
    elif name == "defaults":
        api.defaults(**args[0])
    else:
        getattr(api, name)(args[0])
