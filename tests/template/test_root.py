"""An API read from a template carries the template's folder as its root and its origin as a
``TemplateOrigin``: it synthesizes, exports, lints and shows from any thread without moving
the working directory (which is every thread's)."""

from __future__ import annotations

import dataclasses
import os
import threading
import warnings
from pathlib import Path

import pytest

from wsnb import WebSocketApi
from wsnb.template import TemplateOrigin, TemplateSynthWarning

from ._templates import default_route_api

HANDLER = "def main(event, context):\n    return {'statusCode': 200, 'body': 'hi'}\n"


def write_linked_app(folder: Path) -> Path:
    """``infra/template.yaml`` whose function's code is ``../src`` (outside the template's
    folder: the reader makes a private root that links to it)."""
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "app.py").write_text(HANDLER)
    (folder / "infra").mkdir()
    path = folder / "infra" / "template.yaml"
    path.write_text(
        default_route_api(
            "Fn",
            """  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ../src/, Handler: app.main, Runtime: python3.12}
""",
            transform=True,
        )
    )
    return path


def test_the_origin_is_a_frozen_record_the_facade_wraps(tmp_path):
    api = WebSocketApi.from_template(write_linked_app(tmp_path / "app"))
    assert type(api) is WebSocketApi and isinstance(api.origin, TemplateOrigin)
    assert api.root == api.origin.root == api.template_root
    assert api.template_report is api.origin.report
    assert (api.template_stage, api.route_functions) == ("Prod", {"$default": "Fn"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        api.origin.stage = "dev"  # type: ignore[misc]
    copy = api.copy()
    assert copy.origin is api.origin and copy.root == api.root
    back = WebSocketApi.from_dict(api.to_dict(), root=api.root)
    assert back == api and back.origin is None  # == and to_dict: the model only


@pytest.mark.cdk
def test_a_background_thread_synthesizes_exports_and_lints_without_moving_the_cwd(
    tmp_path, monkeypatch
):
    api = WebSocketApi.from_template(write_linked_app(tmp_path / "app"))
    assert any(p.is_symlink() for p in api.root.iterdir())  # the private root: synth copies it
    here = tmp_path / "notebook"
    here.mkdir()
    monkeypatch.chdir(here)
    done: dict[str, object] = {}
    failed: list[BaseException] = []

    def work() -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", TemplateSynthWarning)
                done["synth"] = api.synth().template
                done["export"] = api.export(tmp_path / "out")
                import aws_cdk

                stack = aws_cdk.Stack(aws_cdk.App(), "Mine")
                done["construct"] = api.to_cdk(stack)
            done["lint"] = api.lint()
            done["bundle"] = api._repr_mimebundle_()
        except BaseException as exc:  # reported by the main thread
            failed.append(exc)

    worker = threading.Thread(target=work, name="synth-in-background")
    worker.start()
    seen = set()
    while worker.is_alive():  # the main thread keeps looking while the worker runs
        seen.add(os.getcwd())
        worker.join(0.001)
    seen.add(os.getcwd())
    assert not failed, failed
    assert seen == {str(here)}
    functions = [
        r["Properties"]
        for r in done["synth"]["Resources"].values()  # type: ignore[index]
        if r["Type"] == "AWS::Lambda::Function"
    ]
    assert [f["Handler"] for f in functions] == ["app.main"]
    assert (tmp_path / "out" / "Fn" / "app.py").read_text() == HANDLER  # the linked code
    assert "handler-file-missing" not in {f.code for f in done["lint"]}  # type: ignore[attr-defined]
    assert "From template" in done["bundle"]["text/html"]  # type: ignore[index]
    assert done["construct"] is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TemplateSynthWarning)
        again = api.synth()  # the private root's copy is at the same place: synth's cache answers
    assert again.template is done["synth"]
