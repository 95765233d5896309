"""The emulator changes process-wide state only while a server runs, and puts it back.

What a running server needs in process — a scoped ``os.environ``, botocore answering the local
hosts, handler modules in ``sys.modules`` and their import finder, an ``atexit`` hook — is
installed when the first server starts and gone when the last one stops; local data stays
readable through ``server.client(...)`` after the stop. Checked in a fresh interpreter, so no
other test's server can be running.
"""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = r"""
import asyncio, atexit, json, os, sys

at_exit = set()  # what is registered with atexit, as seen through its own functions
_register, _unregister = atexit.register, atexit.unregister
atexit.register = lambda fn, *a, **k: (at_exit.add(fn), _register(fn, *a, **k))[1]
atexit.unregister = lambda fn: (at_exit.discard(fn), _unregister(fn))[1]
import botocore.client, botocore.httpsession
import websockets
from wsnb import Table, WebSocketApi
from wsnb.local import running_servers

environ, send, call = os.environ, botocore.httpsession.URLLib3Session.send, botocore.client.BaseClient._make_api_call
meta_path = list(sys.meta_path)
from wsnb.local import stop_all

at_start = stop_all in at_exit  # importing wsnb.local registers nothing


api = (WebSocketApi("State").route("hello", "fn/hello.main", return_response=True)
       .bind([Table("Notes", fields={"id": "string"}, primary_index={"partition_key": "id"})]))

async def talk(url):
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"action": "hello"}))
        return await ws.recv()

server = api.serve(app="state")
during = {
    "environ replaced": os.environ is not environ,
    "handler modules": False,
    "finder": False,
    "atexit": stop_all in at_exit and not at_start,
}
reply = asyncio.run(talk(server.url))
during["handler modules"] = any(n.startswith("_wsnb_local_") for n in sys.modules)
during["finder"] = len(sys.meta_path) > len(meta_path)
table = server.table_name("Notes")
client = server.client("dynamodb")
client.put_item(TableName=table, Item={"id": {"S": "a"}})
stop_all()
after = {
    "environ": os.environ is environ,
    "urllib3 send": botocore.httpsession.URLLib3Session.send is send,
    "api call": botocore.client.BaseClient._make_api_call is call,
    "sys.modules": [n for n in sys.modules if n.startswith("_wsnb_local_")],
    "meta_path": sys.meta_path == meta_path,
    "atexit": stop_all not in at_exit,
    "running": running_servers(),
    "data after stop": client.scan(TableName=table)["Count"],
}
print(json.dumps({"reply": reply, "during": during, "after": after}))
"""

HANDLER = """
import helpers

def main(event, context):
    return {"statusCode": 200, "body": helpers.greeting()}
"""


def test_process_state_is_installed_while_serving_and_restored_after(tmp_path):
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "hello.py").write_text(HANDLER)
    (tmp_path / "fn" / "helpers.py").write_text("def greeting():\n    return 'hi'\n")
    (tmp_path / "check.py").write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, "check.py"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stderr
    import json

    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["reply"] == "hi"
    assert got["during"] == {
        "environ replaced": True,
        "handler modules": True,
        "finder": True,
        "atexit": True,
    }
    assert got["after"] == {
        "environ": True,
        "urllib3 send": True,
        "api call": True,
        "sys.modules": [],
        "meta_path": True,
        "atexit": True,
        "running": [],
        "data after stop": 1,
    }
