"""What IAM grants wsnb knows by heart: the actions of its own function role, what CDK's
Table/Bucket grants synthesize to, SAM's policy templates on a table or bucket (from
samtranslator's ``policy_templates.json``), and the AWS managed policies under ``service-role/``."""

from __future__ import annotations

import re
from typing import Any

from ._intrinsics import NO_VALUE

LOGS_ACTIONS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# What wsnb's own function role already grants (AWSLambdaBasicExecutionRole, X-Ray, and the
# connection management API of this API): a template statement of these actions only is read.
WSNB_ROLE_ACTIONS = {"execute-api:ManageConnections"} | LOGS_ACTIONS | XRAY_ACTIONS
# AWS managed policies (name with path) that grant some of those
MANAGED_ROLE_ACTIONS = {
    "service-role/AWSLambdaBasicExecutionRole": LOGS_ACTIONS,
    "service-role/AWSLambdaVPCAccessExecutionRole": LOGS_ACTIONS,
    "service-role/AWSLambdaDynamoDBExecutionRole": LOGS_ACTIONS,
    "service-role/AWSLambdaKinesisExecutionRole": LOGS_ACTIONS,
    "service-role/AWSLambdaSQSQueueExecutionRole": LOGS_ACTIONS,
    "AWSXrayWriteOnlyAccess": XRAY_ACTIONS,
    "AWSXRayDaemonWriteAccess": XRAY_ACTIONS,
    "AdministratorAccess": WSNB_ROLE_ACTIONS,
}

# aws-cdk-lib's grant_read_write_data (Table) and grant_read_write (Bucket): what a wsnb
# Table/Bucket permission synthesizes to, so a template statement with exactly these actions
# (a wsnb or CDK app's own output) is read back as the Table/Bucket permission.
TABLE_GRANT = {
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:GetItem",
    "dynamodb:Scan",
    "dynamodb:ConditionCheckItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
}
TABLE_STREAM_GRANT = {"dynamodb:GetRecords", "dynamodb:GetShardIterator"}
BUCKET_GRANT = {
    "s3:GetObject*",
    "s3:GetBucket*",
    "s3:List*",
    "s3:DeleteObject*",
    "s3:PutObject",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:Abort*",
}

# SAM policy templates on one table or bucket (samtranslator's policy_templates.json):
# (actions, the resource suffixes they apply to); "" is the table's/bucket's own ARN.
SAM_TABLE_TEMPLATES: dict[str, list[tuple[list[str], tuple[str, ...]]]] = {
    "DynamoDBReadPolicy": [
        (
            [
                "dynamodb:GetItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
            ],
            ("", "/index/*"),
        )
    ],
    "DynamoDBWritePolicy": [
        (["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"], ("", "/index/*"))
    ],
    "DynamoDBReconfigurePolicy": [(["dynamodb:UpdateTable"], ("",))],
}
SAM_BUCKET_TEMPLATES: dict[str, list[tuple[list[str], tuple[str, ...]]]] = {
    "S3ReadPolicy": [
        (
            [
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:GetLifecycleConfiguration",
            ],
            ("", "/*"),
        )
    ],
    "S3WritePolicy": [
        (["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"], ("", "/*"))
    ],
    "S3CrudPolicy": [
        (
            [
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:DeleteObject",
            ],
            ("", "/*"),
        )
    ],
    "S3FullAccessPolicy": [
        (
            [
                "s3:GetObject",
                "s3:GetObjectAcl",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:DeleteObject",
                "s3:DeleteObjectTagging",
                "s3:DeleteObjectVersionTagging",
                "s3:GetObjectTagging",
                "s3:GetObjectVersionTagging",
                "s3:PutObjectTagging",
                "s3:PutObjectVersionTagging",
            ],
            ("/*",),
        ),
        (
            [
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
            ],
            ("",),
        ),
    ],
}

# SAM policy templates without parameters: their statements as SAM writes them.
SAM_LITERAL_TEMPLATES: dict[str, list[dict[str, Any]]] = {
    "VPCAccessPolicy": [
        {
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DetachNetworkInterface",
            ],
            "Resource": "*",
        }
    ],
    "CloudWatchPutMetricPolicy": [
        {"Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*"}
    ],
    "EC2DescribePolicy": [
        {
            "Effect": "Allow",
            "Action": ["ec2:DescribeRegions", "ec2:DescribeInstances"],
            "Resource": "*",
        }
    ],
}

# AWS managed policies that live under the service-role/ path (a SAM template names them
# without it); every other AWS managed policy name is at the root path.
SERVICE_ROLE_POLICIES = {
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaKinesisExecutionRole",
    "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaMSKExecutionRole",
    "AWSLambdaENIManagementAccess",
    "AWSLambdaRole",
    "AWSConfigRulesExecutionRole",
    "AWSIoTRuleActions",
    "AWSAppSyncPushToCloudWatchLogs",
    "AmazonAPIGatewayPushToCloudWatchLogs",
}
POLICY_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,128}$")


def as_list(value: Any) -> list[Any]:
    """One item or a list of them, as a list (``None`` and ``AWS::NoValue`` left out)."""
    if value is None or value is NO_VALUE:
        return []
    items = value if isinstance(value, list) else [value]
    return [v for v in items if v is not NO_VALUE]
