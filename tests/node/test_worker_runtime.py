"""An invocation in the Node worker as Lambda's Node.js runtime runs it: async and callback
handlers (callbacks refused from nodejs24.x), the context object, console lines tagged with
the request id, timeouts that replace the environment (AWS: "Define Lambda function handler in
Node.js", "Lambda context object in Node.js", "Log and monitor Node.js Lambda functions",
"Node.js 24 runtime now available in AWS Lambda")."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.node.conftest import invoke_once, write
from tests.waiting import wait_until
from wsnb.node import NodeFunctionSpec, NodeWorker

HANDLERS = {
    "styles.cjs": """
        exports.asyncReturn = async (event) => ({ style: "async", echo: event.x });
        exports.promise = (event) => Promise.resolve({ style: "promise", echo: event.x });
        exports.callback = (event, context, callback) => {
          setTimeout(() => callback(null, { style: "callback", echo: event.x }), 5);
        };
        exports.callbackError = (event, context, callback) => callback(new RangeError("too far"));
        exports.succeed = (event, context) => { context.succeed({ style: "succeed" }); };
        exports.plain = (event) => ({ style: "plain" });
        exports.undef = async () => undefined;
        exports.waits = (event, context, callback) => {
          context.callbackWaitsForEmptyEventLoop = event.wait;
          setTimeout(() => console.log("timer fired"), 300);
          callback(null, "done");
        };
        exports.circular = async () => { const o = {}; o.self = o; return o; };
    """,
    "context.mjs": """
        export const main = async (event, context) => {
          const left = context.getRemainingTimeInMillis();
          return {
            awsRequestId: context.awsRequestId,
            functionName: context.functionName,
            functionVersion: context.functionVersion,
            memoryLimitInMB: context.memoryLimitInMB,
            logGroupName: context.logGroupName,
            logStreamName: context.logStreamName,
            invokedFunctionArn: context.invokedFunctionArn,
            waits: context.callbackWaitsForEmptyEventLoop,
            hasSucceed: typeof context.succeed,
            left,
            env: {
              region: process.env.AWS_REGION,
              name: process.env.AWS_LAMBDA_FUNCTION_NAME,
              memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
              execution: process.env.AWS_EXECUTION_ENV,
              handler: process.env._HANDLER,
              mine: process.env.MY_SETTING,
              key: process.env.AWS_ACCESS_KEY_ID,
            },
          };
        };
    """,
    "logs.mjs": """
        console.log("cold start");
        export const main = async (event) => {
          console.log("hello %s", event.who, { n: 1 });
          console.info("info");
          console.warn("warn");
          console.error("error");
          console.debug("debug");
          console.log("two\\nlines");
          process.stdout.write("raw out\\n");
          process.stderr.write("raw err, no newline");
          return "logged";
        };
    """,
    "lifecycle.mjs": """
        let calls = 0;
        export const main = async (event) => {
          calls += 1;
          if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
          if (event.exit !== undefined) process.exit(event.exit);
          if (event.uncaught) setTimeout(() => { throw new Error("from a timer"); }, 1);
          if (event.uncaught) await new Promise((r) => setTimeout(r, 1000));
          return { calls, pid: process.pid };
        };
    """,
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("runtime"), HANDLERS)


@pytest.mark.parametrize(
    ("name", "result"),
    [
        ("asyncReturn", {"style": "async", "echo": 7}),
        ("promise", {"style": "promise", "echo": 7}),
        ("callback", {"style": "callback", "echo": 7}),
        ("succeed", {"style": "succeed"}),
        # a plain function that never calls back: Lambda answers null (nodejs22.x and older)
        ("plain", None),
        ("undef", None),
    ],
)
def test_async_and_callback_handlers_on_nodejs22(tools, root, name, result):
    out = invoke_once(tools, root, f"styles.{name}", {"x": 7})
    assert out.ok, out.error
    assert out.result == result
    assert out.result_json == ("null" if result is None else out.result_json)


def test_callback_error_is_the_invocation_error(tools, root):
    out = invoke_once(tools, root, "styles.callbackError")
    assert out.error["errorType"] == "RangeError" and out.error["errorMessage"] == "too far"


def test_result_that_cannot_be_serialized(tools, root):
    out = invoke_once(tools, root, "styles.circular")
    assert out.error["errorMessage"] == "Unable to stringify response body"


def test_callback_waits_for_the_empty_event_loop_unless_told_not_to(tools, root):
    waited = invoke_once(tools, root, "styles.waits", {"wait": True})
    assert waited.result == "done"
    assert [ln.message for ln in waited.logs] == ["timer fired"]  # the result came after it
    prompt = invoke_once(tools, root, "styles.waits", {"wait": False})
    assert prompt.result == "done"
    assert "timer fired" not in [ln.message for ln in prompt.logs]


def test_callback_handler_is_refused_on_nodejs24(tools, root):
    out = invoke_once(tools, root, "styles.callback", runtime="nodejs24.x")
    assert out.ended and out.init_ms is not None  # an Init error, as Lambda reports it
    assert out.error["errorType"] == "Runtime.CallbackHandlerDeprecated"
    assert out.error["errorMessage"].startswith(
        "ERROR: AWS Lambda has removed support for callback-based function handlers starting "
        "with Node.js 24."
    )
    assert out.logs[-1].message.startswith("Init Error \t{")


def test_nodejs24_awaits_whatever_the_handler_returns(tools, root):
    assert invoke_once(tools, root, "styles.plain", runtime="nodejs24.x").result == {
        "style": "plain"
    }
    out = invoke_once(tools, root, "context.main", runtime="nodejs24.x")
    # nodejs24.x's context has no callbackWaitsForEmptyEventLoop, succeed, fail or done
    assert "waits" not in out.result and out.result["hasSucceed"] == "undefined"


def test_context_and_environment_are_lambdas(tools, root):
    spec = NodeFunctionSpec(
        "context.main",
        root,
        name="dev-chat-Api-connect",
        memory=512,
        timeout=6,
        region="eu-west-1",
        account="111122223333",
        environment={"MY_SETTING": "on"},
        log_stream="2026/12/06/[$LATEST]abc",
    )
    with NodeWorker(spec, tools=tools) as worker:
        out = worker.invoke({}, {"awsRequestId": "req-1"})
    r = out.result
    assert out.request_id == "req-1"
    assert {k: r[k] for k in list(r)[:7]} == {
        "awsRequestId": "req-1",
        "functionName": "dev-chat-Api-connect",
        "functionVersion": "$LATEST",
        "memoryLimitInMB": "512",  # a string, as Lambda gives it
        "logGroupName": "/aws/lambda/dev-chat-Api-connect",
        "logStreamName": "2026/12/06/[$LATEST]abc",
        "invokedFunctionArn": "arn:aws:lambda:eu-west-1:111122223333:function:dev-chat-Api-connect",
    }
    assert r["waits"] is True and r["hasSucceed"] == "function"
    assert 0 < r["left"] <= 6000
    assert r["env"] == {
        "region": "eu-west-1",
        "name": "dev-chat-Api-connect",
        "memory": "512",
        "execution": "AWS_Lambda_nodejs22.x",
        "handler": "context.main",
        "mine": "on",
        "key": r["env"]["key"],  # the user's, or wsnb's fake ones when none are configured
    }
    assert r["env"]["key"]


def test_console_lines_carry_the_request_id_and_level(tools, root):
    seen = []
    with NodeWorker(NodeFunctionSpec("logs.main", root), tools=tools) as worker:
        out = worker.invoke({"who": "node"}, {"awsRequestId": "req-logs"}, on_log=seen.append)
    assert out.result == "logged"
    lines = [(ln.request_id, ln.level, ln.stream, ln.message) for ln in out.logs]
    assert lines == [
        (None, "INFO", "stdout", "cold start"),
        ("req-logs", "INFO", "stdout", "hello node { n: 1 }"),
        ("req-logs", "INFO", "stdout", "info"),
        ("req-logs", "WARN", "stdout", "warn"),
        ("req-logs", "ERROR", "stdout", "error"),
        ("req-logs", "DEBUG", "stdout", "debug"),
        ("req-logs", "INFO", "stdout", "two\nlines"),
        ("req-logs", None, "stdout", "raw out"),
        ("req-logs", None, "stderr", "raw err, no newline"),  # flushed before the result
    ]
    assert seen == list(out.logs)
    text = out.logs[1].text.split("\t")
    assert text[1:] == ["req-logs", "INFO", "hello node { n: 1 }"]
    assert text[0].endswith("Z") and "T" in text[0]  # Lambda's ISO 8601 UTC time
    assert out.logs[0].text.split("\t")[1] == "undefined"  # the Init phase has no request id
    assert out.logs[7].text == "raw out"


def test_timeout_kills_the_environment_and_the_next_call_is_a_cold_start(tools, root):
    with NodeWorker(NodeFunctionSpec("lifecycle.main", root, timeout=1), tools=tools) as worker:
        warm = worker.invoke({})
        assert warm.result["calls"] == 1 and worker.alive
        again = worker.invoke({})
        assert again.result == {"calls": 2, "pid": warm.result["pid"]} and again.init_ms is None
        slow = worker.invoke({"sleep": 30_000}, {"awsRequestId": "req-slow"})
        assert slow.timed_out and slow.ended and not worker.alive
        assert slow.error == {
            "errorType": "Sandbox.Timedout",
            "errorMessage": "RequestId: req-slow Error: Task timed out after 1.00 seconds",
        }
        assert slow.logs[-1].message.endswith("req-slow Task timed out after 1.00 seconds")
        fresh = worker.invoke({})
        assert fresh.ok and fresh.init_ms is not None  # a new environment: module state is new
        assert fresh.result["calls"] == 1 and fresh.result["pid"] != warm.result["pid"]


def test_deadline_given_by_the_caller(tools, root):
    with NodeWorker(NodeFunctionSpec("lifecycle.main", root, timeout=60), tools=tools) as worker:
        worker.start()
        out = worker.invoke({"sleep": 30_000}, deadline=time.monotonic() + 0.3)
    assert out.timed_out and out.error["errorMessage"].endswith("timed out after 0.30 seconds")


def test_exit_and_uncaught_exception_end_the_environment(tools, root):
    with NodeWorker(NodeFunctionSpec("lifecycle.main", root), tools=tools) as worker:
        out = worker.invoke({"exit": 3}, {"awsRequestId": "req-exit"})
        assert out.ended and not worker.alive
        assert out.error == {
            "errorType": "Runtime.ExitError",
            "errorMessage": "RequestId: req-exit Error: Runtime exited with error: exit status 3",
        }
        crash = worker.invoke({"uncaught": True})
        assert crash.ended and crash.init_ms is not None
        assert crash.error["errorType"] == "Error"
        assert crash.error["errorMessage"] == "from a timer"
        assert crash.logs[-1].message.startswith("Uncaught Exception \t{")
        assert worker.invoke({}).ok


def test_one_invocation_at_a_time(tools, root):
    import threading

    with NodeWorker(NodeFunctionSpec("lifecycle.main", root), tools=tools) as worker:
        worker.start()
        results = []
        busy = threading.Thread(target=lambda: results.append(worker.invoke({"sleep": 3000})))
        busy.start()
        wait_until(worker._busy.locked, timeout=10, what="the first invocation runs")
        with pytest.raises(RuntimeError, match="running an invocation"):
            worker.invoke({})
        busy.join()
    assert results[0].ok


def test_lines_printed_between_invocations_are_kept(tools, tmp_path):
    write(
        tmp_path,
        {
            "late.mjs": """
                export const main = async (event) => {
                  setTimeout(() => {
                    console.log("after the result");
                    if (event.crash) throw new Error("crashed while idle");
                  }, 50);
                  return "early";
                };
            """
        },
    )
    with NodeWorker(NodeFunctionSpec("late.main", tmp_path), tools=tools) as worker:
        first = worker.invoke({}, {"awsRequestId": "req-1"})
        late = wait_until(worker.drain, timeout=20, what="the line printed after the result")
        assert [(ln.request_id, ln.message) for ln in late] == [("req-1", "after the result")]
        worker.invoke({"crash": True}, {"awsRequestId": "req-2"})
        # the timer throws: the environment ends while idle
        wait_until(lambda: not worker.alive, timeout=20, what="the environment ends")
        after = worker.invoke({}, {"awsRequestId": "req-3"})
    assert first.result == after.result == "early" and after.init_ms is not None
    kept = [(ln.request_id, ln.message.split(" \t")[0]) for ln in after.logs]
    assert kept[:2] == [("req-2", "after the result"), ("req-2", "Uncaught Exception")]
