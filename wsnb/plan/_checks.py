"""What a plan refuses before aws-cdk-lib sees it: a stack over CloudFormation's resource limit,
and text aws-cdk-lib would read as one of its own tokens."""

from __future__ import annotations

import json
from typing import Any

from .. import _facts
from .._errors import SynthError
from ..model import ApiSpec
from ._ir import Lit


def check_no_cdk_tokens(node: Any) -> None:
    """CDK reads ``${Token[...]}`` inside any string as one of its own tokens: refuse such text."""
    if isinstance(node, Lit):
        text = json.dumps(node.value, ensure_ascii=False)
        if "${Token[" in text:
            raise SynthError(
                "A value contains '${Token[', which aws-cdk-lib reserves for its own references.",
                given=node.value,
                allowed="any text without the sequence '${Token['",
                fix="change the value (e.g. write '$ {Token[' or drop the braces)",
            )
    elif isinstance(node, (list, tuple)):
        for item in node:
            check_no_cdk_tokens(item)
    elif hasattr(node, "__dataclass_fields__"):
        for name in node.__dataclass_fields__:
            check_no_cdk_tokens(getattr(node, name))


def check_stack_size(spec: ApiSpec) -> int:
    """The resources the API needs; over CloudFormation's per-stack limit it cannot deploy,
    so synth, export and to_cdk all refuse it (the same plan feeds the three)."""
    from ..predict import predict_resource_counts

    predicted = sum(predict_resource_counts(spec).values())
    if predicted > _facts.CFN_RESOURCE_LIMIT:
        raise SynthError(
            f"This API needs {predicted} CloudFormation resources; one stack holds at most "
            f"{_facts.CFN_RESOURCE_LIMIT}, so CloudFormation would refuse it "
            "(TooManyResourcesInStack).",
            given=f"{len(spec.routes)} routes, {predicted} resources",
            allowed=f"at most {_facts.CFN_RESOURCE_LIMIT} resources in one stack "
            f"(about {_facts.RESOURCES_PER_ROUTE} per route with its own function)",
            fix="split the routes over several APIs (each its own stack), "
            "or let routes share one function",
        )
    return predicted
