"""CloudFormation resource types the reader knows, and the per-function record it keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Resource

API_TYPE = "AWS::ApiGatewayV2::Api"
LAMBDA = "AWS::Lambda::Function"
SAM_FUNCTION = "AWS::Serverless::Function"
FUNCTION_TYPES = (LAMBDA, SAM_FUNCTION)
TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable")
BUCKET_TYPE = "AWS::S3::Bucket"
SSM_TYPE = "AWS::SSM::Parameter"


@dataclass
class FunctionInfo:
    """A function read from the template: its wsnb props so far and its declared runtime."""

    logical_id: str
    props: dict[str, Any]
    runtime: str
    resources: list[Resource] = field(default_factory=list)
