"""The packaged chat example: its model, copying it, and its handlers against moto's DynamoDB."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from wsnb import Table, ValidationError
from wsnb.examples import CHAT_DIR, CHAT_HANDLERS, build_chat_api, copy_chat_example


def test_chat_api_routes_and_defaults() -> None:
    api = build_chat_api()
    assert api.routes == ["$connect", "$disconnect", "sendMessage", "$default"]
    table = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})
    for key in api.routes:
        fn = api.get_function(key)
        assert fn["environment"] == {"TABLE_NAME": table.table_name}
        assert list(fn["permissions"]) == [table]
    assert str(api.get_function("sendMessage").handler) == "src/send_message.main"


def test_copy_then_build_from_the_copy(tmp_path: Path) -> None:
    root = copy_chat_example(tmp_path / "chat")
    assert sorted(p.name for p in (root / "src").iterdir()) == sorted(CHAT_HANDLERS)
    for name in CHAT_HANDLERS:
        assert (root / "src" / name).read_bytes() == (CHAT_DIR / "src" / name).read_bytes()
    assert build_chat_api(root) == build_chat_api()
    # copying again is fine and leaves other files alone
    (root / "notes.txt").write_text("mine")
    copy_chat_example(root)
    assert (root / "notes.txt").read_text() == "mine"


def test_build_from_a_folder_without_handlers(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        build_chat_api(tmp_path)
    assert "does not hold the chat handlers" in caught.value.message
    assert caught.value.fix.startswith("copy_chat_example(")


def _handler(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"chat_{name}", CHAT_DIR / "src" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_connect_and_disconnect_store_connection_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("TABLE_NAME", "dev-app-Connections")
    with moto.mock_aws():
        boto3.client("dynamodb").create_table(
            TableName="dev-app-Connections",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        table = boto3.resource("dynamodb").Table("dev-app-Connections")
        connect, disconnect = _handler("connect"), _handler("disconnect")
        for cid in ("abc=", "def="):
            reply = connect.main({"requestContext": {"connectionId": cid}}, None)
            assert reply["statusCode"] == 200
        assert sorted(i["id"] for i in table.scan()["Items"]) == ["abc=", "def="]
        disconnect.main({"requestContext": {"connectionId": "abc="}}, None)
        assert [i["id"] for i in table.scan()["Items"]] == ["def="]
