"""Buckets, Secrets and Parameters backed by moto in process: real websockets clients, real
boto3 in the handlers, no AWS."""

from __future__ import annotations

import json
import logging

import pytest

from tests.local import handlers_nb as h
from tests.local.conftest import action, exchange, exchange_in_turn, run
from wsnb import Bucket, EmulatorError, Parameter, Secret, WebSocketApi

SECRET_VALUE = "sk_test_wsnb_0123456789abcdef"


def test_bucket_round_trip_through_a_route():
    uploads = Bucket("Uploads")
    api = WebSocketApi("Files").route(
        "files",
        h.s3_files,
        return_response=True,
        bind=[uploads],
        environment={"UPLOADS": uploads.bucket_name},
    )
    with api.serve(app="s3test") as srv:
        # one after the other, so each listing is known: the first put, then both
        first, second = run(
            exchange_in_turn(
                srv.url,
                action("files", key="a/one.txt", text="hello"),
                action("files", key="b/two.txt", text="world"),
            )
        )
        local = srv.client("s3")
        stored = local.get_object(Bucket=srv.bucket_name(uploads), Key="a/one.txt")["Body"].read()
    replies = [json.loads(first), json.loads(second)]
    assert [r["got"] for r in replies] == ["hello", "world"]
    assert (
        {r["bucket"] for r in replies} == {r["via_env"] for r in replies} == {"dev-s3test-uploads"}
    )
    assert [r["keys"] for r in replies] == [["a/one.txt"], ["a/one.txt", "b/two.txt"]]
    assert stored == b"hello"
    # the objects outlive the server (same process), like a deployed bucket outlives a deploy
    with api.serve(app="s3test") as srv:
        keys = [
            o["Key"]
            for o in srv.client("s3").list_objects_v2(Bucket="dev-s3test-uploads")["Contents"]
        ]
    assert keys == ["a/one.txt", "b/two.txt"]


def test_bucket_virtual_host_addressing_is_answered_too():
    import boto3
    from botocore.config import Config

    from wsnb.local._moto import ENDPOINTS

    api = WebSocketApi("Vhost").route("files", h.s3_files, bind=[Bucket("Uploads")])
    with api.serve(app="vhost") as srv:
        s3 = boto3.session.Session().client(
            "s3",
            endpoint_url=ENDPOINTS["s3"],
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="y",
            config=Config(s3={"addressing_style": "virtual"}),
        )
        s3.put_object(Bucket="dev-vhost-uploads", Key="k", Body=b"v")
        assert (
            srv.client("s3").get_object(Bucket="dev-vhost-uploads", Key="k")["Body"].read() == b"v"
        )


def _secret_api() -> WebSocketApi:
    return WebSocketApi("Vault").route(
        "secret",
        h.read_secret,
        return_response=True,
        bind=[Secret("STRIPE_KEY"), Parameter("COLOR", "blue")],
    )


def test_secret_is_read_from_local_ssm_and_never_shown(caplog):
    from wsnb.plan import secret_parameter_name

    api = _secret_api()
    with (
        caplog.at_level(logging.DEBUG, logger="wsnb.local"),
        api.serve(app="sectest", secrets={"STRIPE_KEY": SECRET_VALUE}) as srv,
    ):
        (reply,) = run(exchange(srv.url, action("secret")))
        shown = [
            repr(srv),
            str(srv.events),
            repr(srv.monitor()),
            json.dumps(srv.monitor()._repr_mimebundle_()),
            repr(srv.options.secrets),
            repr(vars(srv)),
        ]
        assert srv.parameter_name("STRIPE_KEY") == "/wsnb/sectest/dev/Secret/STRIPE_KEY/value"
    got = json.loads(reply)
    assert got == {
        "name": secret_parameter_name("sectest", "dev", "STRIPE_KEY"),
        "type": "SecureString",
        "prefix": SECRET_VALUE[:8],
        "length": len(SECRET_VALUE),
        "color": "blue",
        "env_color": "blue",
    }
    for text in [*shown, caplog.text]:
        assert SECRET_VALUE not in text
    assert "STRIPE_KEY=***" in repr(srv.options.secrets)


def test_secret_without_value_is_parameter_not_found_with_a_hint(caplog):
    api = _secret_api()
    with api.serve(app="gone", secrets={"STRIPE_KEY": SECRET_VALUE}) as srv:  # an earlier value...
        (before,) = run(exchange(srv.url, action("secret")))
    with (
        caplog.at_level(logging.WARNING, logger="wsnb.local"),
        api.serve(app="gone") as srv,
    ):  # ...is not kept
        (after,) = run(exchange(srv.url, action("secret")))
    assert json.loads(before)["length"] == len(SECRET_VALUE)
    assert json.loads(after) == {
        "name": "/wsnb/gone/dev/Secret/STRIPE_KEY/value",
        "error": "ParameterNotFound",
    }
    hints = [r.getMessage() for r in caplog.records if "STRIPE_KEY" in r.getMessage()]
    assert len(hints) == 1 and "secrets=" in hints[0] and "ParameterNotFound" in hints[0]


def test_secrets_option_is_validated_without_echoing_values():
    api = _secret_api()
    with pytest.raises(EmulatorError) as err:
        api.serve(secrets={"STRIPE_KEY": "a", "OTHER": SECRET_VALUE})
    text = str(err.value)
    assert err.value.given == ["OTHER"] and "STRIPE_KEY" in err.value.allowed and err.value.fix
    assert SECRET_VALUE not in text
    with pytest.raises(EmulatorError, match="none: this API binds no Secret"):
        WebSocketApi("NoSecrets").route("a", h.who).serve(secrets={"X": "y"})
    with pytest.raises(EmulatorError, match="dict of Secret name"):
        api.serve(secrets=[("STRIPE_KEY", SECRET_VALUE)])
    with pytest.raises(EmulatorError, match="non-empty string") as err:
        api.serve(secrets={"STRIPE_KEY": 12345})
    assert "12345" not in str(err.value)
