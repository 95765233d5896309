"""Permission forms beyond SST's: a managed policy ARN, and a statement that names a wsnb
Table/Bucket by its placeholder (``table.table_arn``). Checked in the model and in the exported
app (rendered from the same plan as synth(), no aws-cdk-lib needed)."""

from __future__ import annotations

import pytest

from wsnb import Bucket, PermissionsError, Table, WebSocketApi, WsnbError

pytestmark = pytest.mark.usefixtures("project")

NOTES = Table("Notes", fields={"id": "string"}, primary_index={"partition_key": "id"})
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
CUSTOMER = "arn:aws:iam::123456789012:policy/team/ReadReports"


def _read_only(table: Table) -> dict:
    return {
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:Query"],
        "Resource": [table.table_arn, f"{table.table_arn}/index/*"],
    }


def test_managed_policy_arns_are_permissions_and_round_trip():
    api = WebSocketApi("Api").route("$default", "src/default.main", permissions=[S3_READ, CUSTOMER])
    assert api.get_function("$default").props["permissions"] == (S3_READ, CUSTOMER)
    assert "policy AmazonS3ReadOnlyAccess" in repr(api)
    assert WebSocketApi.from_dict(api.to_dict()) == api
    with pytest.raises(PermissionsError, match="managed policy ARN"):
        WebSocketApi("Api").route("$default", "src/default.main", permissions=["arn:aws:iam::x"])
    admin = WebSocketApi("Api").route(
        "$default", "src/default.main", permissions=["arn:aws:iam::aws:policy/AdministratorAccess"]
    )
    assert any(f.code == "admin-grant" for f in admin.lint())


def test_a_statement_names_a_table_by_its_placeholder():
    api = WebSocketApi("Api").route("$default", "src/default.main", permissions=[_read_only(NOTES)])
    assert api.spec.resources() == [NOTES]  # the statement's table is the API's table
    data = api.to_dict()
    assert data["routes"]["$default"]["function"]["permissions"][0]["statement"]["Resource"] == [
        "${wsnb:Table/Notes.table_arn}",
        "${wsnb:Table/Notes.table_arn}/index/*",
    ]
    back = WebSocketApi.from_dict(data)
    assert back == api and back.spec.resources() == [NOTES]
    # a placeholder inside a longer ARN alone: the table is not known to the API
    with pytest.raises(WsnbError, match="Table 'Notes', which this API does not know"):
        WebSocketApi("Api").route(
            "$default",
            "src/default.main",
            permissions=[
                {"Action": ["dynamodb:Query"], "Resource": [f"{NOTES.table_arn}/index/*"]}
            ],
        )
    with pytest.raises(PermissionsError, match="not valid"):  # a name is not an ARN
        WebSocketApi("Api").route(
            "$default",
            "src/default.main",
            permissions=[{"Action": ["dynamodb:Query"], "Resource": [NOTES.table_name]}],
        )


def test_the_exported_app_attaches_managed_policies_and_resolves_placeholders(tmp_path):
    uploads = Bucket("Uploads")
    api = WebSocketApi("Api").route(
        "$default",
        "src/default.main",
        permissions=[
            S3_READ,
            CUSTOMER,
            _read_only(NOTES),
            {
                "Action": ["s3:GetObject"],
                "Resource": [f"{uploads.bucket_arn}/*", uploads.bucket_arn],
            },
        ],
    )
    app = (api.export(tmp_path / "app").path / "app.py").read_text()
    assert 'aws_iam.ManagedPolicy.from_aws_managed_policy_name("AmazonS3ReadOnlyAccess")' in app
    assert "aws_iam.ManagedPolicy.from_managed_policy_arn(" in app and CUSTOMER in app
    assert "notes_table.table_arn" in app and 'notes_table.table_arn + "/index/*"' in app
    assert 'uploads_bucket.bucket_arn + "/*"' in app
    assert "${wsnb:" not in app
