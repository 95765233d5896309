// One Node process = one warm Lambda execution environment for one function (wsnb's worker).
//
// argv: runner.mjs <inFd> <outFd>. The Python side writes newline-delimited JSON messages to
// inFd ({t: "init", ...} once, then {t: "invoke", ...}); this process answers on outFd:
// {t: "ready"} after loading the handler (or with its init error), {t: "log"} for each
// console.* line and {t: "out"} for each other line written to stdout/stderr (tagged with
// the request id current when written), and {t: "result"} per invocation. stdout and stderr
// stay free for the handler and its libraries. Handler loading, context, callbacks, errors and
// the event-loop rules follow AWS's Node.js runtime interface client ("Building Lambda
// functions with Node.js", "Lambda context object in Node.js").
import fs from 'node:fs';
import module from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

import * as hooks from './hooks.mjs';
import * as redirect from './redirect.mjs';

const inFd = Number(process.argv[2]);
const outFd = Number(process.argv[3]);
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const requireHere = module.createRequire(import.meta.url);
const RUNNER_URL = import.meta.url;

// ---------------------------------------------------------------- the control channel

function writeAll(text) {
  const data = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += fs.writeSync(outFd, data, offset, data.length - offset);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
}

function send(message) {
  writeAll(JSON.stringify(message) + '\n');
}

// ---------------------------------------------------------------- logs

const streams = {};
function capture(stream, name) {
  streams[name] = { pending: '', stream };
  stream.write = function write(chunk, encoding, callback) {
    const done = typeof encoding === 'function' ? encoding : callback;
    const enc = typeof encoding === 'string' && encoding !== 'buffer' ? encoding : 'utf8';
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(enc);
    const state = streams[name];
    state.pending += text;
    let nl;
    while ((nl = state.pending.indexOf('\n')) >= 0) {
      send({ t: 'out', id: globalThis[REQUEST_ID] ?? null, stream: name, data: state.pending.slice(0, nl) });
      state.pending = state.pending.slice(nl + 1);
    }
    if (done) process.nextTick(done);
    return true;
  };
}

function flushOutput() {
  for (const [name, state] of Object.entries(streams)) {
    if (state.pending) {
      send({ t: 'out', id: globalThis[REQUEST_ID] ?? null, stream: name, data: state.pending });
      state.pending = '';
    }
  }
}

function log(level, message, ...params) {
  send({
    t: 'log',
    id: globalThis[REQUEST_ID] ?? null,
    level,
    time: new Date().toISOString(),
    msg: util.format(message, ...params),
  });
}

const LEVELS = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
for (const [method, level] of Object.entries(LEVELS)) {
  console[method] = (message, ...params) => log(level, message, ...params);
}

function ownFrames(stack) {
  // A stack's lines down to the first frame of this runner (what calls the handler, and
  // Node's event plumbing under it): the user's frames, as Lambda's runtime frames are its own.
  const lines = stack.split('\n');
  const cut = lines.findIndex((line) => /^\s+at /.test(line) && line.includes(RUNNER_URL));
  return cut > 0 ? lines.slice(0, cut) : lines;
}

function formatted(err) {
  // The log form of an error (AWS's "Invoke Error" / "Uncaught Exception" lines).
  if (err instanceof Error) {
    const out = { errorType: err.name, errorMessage: err.message, code: err.code, ...err };
    if (typeof err.stack === 'string') out.stack = ownFrames(err.stack);
    try {
      return '\t' + JSON.stringify(out);
    } catch {
      /* fall through */
    }
  }
  return '\t' + JSON.stringify(response(err));
}

function response(err) {
  // The error the caller receives ({errorType, errorMessage, trace}), as Lambda's runtime makes it.
  try {
    if (util.types.isNativeError(err) || (err && typeof err.name === 'string' &&
        typeof err.message === 'string' && typeof err.stack === 'string')) {
      return { errorType: err.name, errorMessage: err.message, trace: ownFrames(err.stack) };
    }
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  } catch {
    return { errorType: 'handled', errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack' };
  }
}

function runtimeError(name, message, cause) {
  // Lambda's Runtime.* errors: the name on the error's class, not an own property.
  class RuntimeError extends Error {}
  RuntimeError.prototype.name = `Runtime.${name}`;
  const err = new RuntimeError(message);
  if (typeof cause?.stack === 'string') {
    const frames = cause.stack.split('\n').filter((line) => /^\s+at /.test(line));
    err.stack = [`Runtime.${name}: ${message}`, ...frames].join('\n');
  }
  return err;
}

// ---------------------------------------------------------------- loading the handler

const ORDER = ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.jsx', '.cts'];

async function loadModule(file) {
  const ext = path.extname(file);
  // Lambda's rule for .js: required unless the nearest package.json says "type": "module".
  // TypeScript (which Lambda never loads) is imported unless it says "type": "commonjs", so
  // an ES module .ts with top-level await works as its bundle would.
  const type = ext === '.js' || ext === '.ts' ? hooks.packageType(file) : undefined;
  const viaRequire =
    ext === '.cjs' || ext === '.cts' || !ORDER.includes(ext) ||
    (ext === '.js' && type !== 'module') || (ext === '.ts' && type === 'commonjs');
  if (viaRequire) return requireHere(file);
  return import(pathToFileURL(file).href);
}

async function loadHandler(root, handler, file) {
  if (handler.includes('..')) {
    throw runtimeError('MalformedHandlerName', `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  }
  const base = path.basename(handler);
  const moduleRoot = handler.slice(0, handler.length - base.length);
  const m = /^([^.]*)\.(.*)$/.exec(base);
  if (!m) throw runtimeError('MalformedHandlerName', 'Bad handler');
  const [, moduleName, property] = m;
  const stem = path.resolve(root, moduleRoot, moduleName);
  let target = file ? path.resolve(root, file) : undefined;
  if (!target && fs.existsSync(stem)) target = stem; // extensionless file or folder: required
  target ??= ORDER.map((ext) => stem + ext).find((f) => fs.existsSync(f));
  let app;
  try {
    if (target) {
      app = await loadModule(target);
    } else {
      // Lambda's last try: Node's own resolution of the bare module name from the task root.
      const paths = [root, path.resolve(root, moduleRoot)];
      app = requireHere(requireHere.resolve(moduleName, { paths }));
    }
  } catch (err) {
    if (err instanceof SyntaxError) throw runtimeError('UserCodeSyntaxError', String(err), err);
    if (err?.code === 'MODULE_NOT_FOUND') throw runtimeError('ImportModuleError', String(err), err);
    throw err;
  }
  const func = property.split('.').reduce((obj, key) => obj && obj[key], app);
  if (!func) throw runtimeError('HandlerNotFound', `${handler} is undefined or not exported`);
  if (typeof func !== 'function') throw runtimeError('HandlerNotFound', `${handler} is not a function`);
  return func;
}

// ---------------------------------------------------------------- invocations

let config;
let handlerFunc;
let isAsync = false;
let legacy = true; // nodejs22.x and older: callbacks, succeed/fail/done, waiting for an empty loop
let inflight = null;
let control;

function finish(id, outcome) {
  if (!inflight || inflight.id !== id || inflight.done) return;
  inflight.done = true;
  if (!outcome.ok) log('ERROR', 'Invoke Error ' + formatted(outcome.raw));
  flushOutput();
  let message;
  if (outcome.ok) {
    try {
      message = { t: 'result', id, ok: true, result: JSON.stringify(outcome.result === undefined ? null : outcome.result) };
    } catch {
      const err = new Error('Unable to stringify response body');
      log('ERROR', 'Invoke Error ' + formatted(err));
      message = { t: 'result', id, ok: false, error: response(err) };
    }
  } else {
    message = { t: 'result', id, ok: false, error: response(outcome.raw) };
  }
  inflight = null;
  control.ref();
  send(message);
}

function nodeJsExit() {
  return runtimeError('NodeJsExit', 'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes');
}

function invoke(msg) {
  const { id } = msg;
  const deadline = Date.now() + msg.remainingMs;
  globalThis[REQUEST_ID] = id;
  redirect.setHeaders(msg.headers);
  const fn = config.function;
  const ok = (result) => finish(id, { ok: true, result });
  const fail = (err) => finish(id, { ok: false, raw: err });
  const context = {
    functionName: fn.name,
    functionVersion: fn.version,
    invokedFunctionArn: msg.context.invokedFunctionArn ?? fn.arn,
    memoryLimitInMB: String(fn.memory),
    awsRequestId: id,
    logGroupName: fn.logGroup,
    logStreamName: fn.logStream,
    identity: msg.context.identity,
    clientContext: msg.context.clientContext,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  inflight = { id, done: false, onEmpty: () => fail(nodeJsExit()) };
  control.unref(); // the event loop may now empty: Lambda's rules for that moment apply
  if (!legacy) {
    Promise.resolve()
      .then(() => handlerFunc(msg.event, context))
      .then(ok, fail);
    return;
  }
  let waits = true;
  const flight = inflight;
  const done = (err, result) => (err !== undefined && err !== null ? fail(err) : ok(result));
  const callback = (err, result) => {
    if (err !== undefined && err !== null) return fail(err);
    if (!waits) return ok(result);
    flight.onEmpty = () => setImmediate(() => ok(result));
  };
  Object.defineProperty(context, 'callbackWaitsForEmptyEventLoop', {
    get: () => waits,
    set: (value) => { waits = value; },
    enumerable: true,
  });
  context.succeed = (result) => done(null, result);
  context.fail = (err) => (err === undefined || err === null ? done('handled') : done(err));
  context.done = done;
  if (!isAsync) flight.onEmpty = () => ok(null); // a plain handler that never calls back: null
  try {
    const result = handlerFunc(msg.event, context, callback);
    if (result && typeof result.then === 'function') {
      result.then(context.succeed, context.fail);
    }
  } catch (err) {
    callback(err);
  }
}

process.on('beforeExit', () => {
  if (inflight) {
    const flight = inflight;
    control.ref();
    flight.onEmpty();
  }
});

function fatal(kind, err, code) {
  log('ERROR', `${kind} ${formatted(err)}`);
  if (inflight) {
    const { id } = inflight;
    flushOutput();
    inflight = null;
    send({ t: 'result', id, ok: false, error: response(err), exit: code });
  } else if (!handlerFunc) {
    flushOutput();
    send({ t: 'ready', error: response(err) });
  }
  process.exit(code);
}

process.on('uncaughtException', (err) => fatal('Uncaught Exception', err, 129));
process.on('unhandledRejection', (reason, promise) => {
  const err = runtimeError('UnhandledPromiseRejection', String(reason), reason);
  err.reason = reason;
  err.promise = promise;
  fatal('Unhandled Promise Rejection', err, 128);
});

// ---------------------------------------------------------------- start

async function start(msg) {
  config = msg;
  legacy = Number(/^nodejs(\d+)/.exec(msg.runtime)?.[1] ?? 22) < 24;
  const began = performance.now();
  try {
    handlerFunc = await loadHandler(msg.root, msg.handler, msg.file);
    isAsync = handlerFunc.constructor?.name === 'AsyncFunction';
    if (!legacy && handlerFunc.length >= 3 && !isAsync) {
      throw runtimeError('CallbackHandlerDeprecated', 'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.');
    }
  } catch (err) {
    handlerFunc = undefined;
    const kind = err?.name === 'Runtime.CallbackHandlerDeprecated' ? 'Init Error' : 'Uncaught Exception';
    log('ERROR', `${kind} ${formatted(err)}`);
    flushOutput();
    send({ t: 'ready', error: response(err), initMs: performance.now() - began });
    return;
  }
  flushOutput();
  send({ t: 'ready', initMs: performance.now() - began, isAsync, legacy });
}

function onMessage(line) {
  const msg = JSON.parse(line);
  if (msg.t === 'init') {
    hooks.install({
      sdk: msg.sdk,
      esbuild: msg.esbuild,
      target: 'node' + process.versions.node.split('.')[0],
      onTranspile: () => process.setSourceMapsEnabled(true),
      onHttps: redirect.activateHttps,
    });
    redirect.install(msg.redirect ?? {});
    start(msg);
  } else if (msg.t === 'invoke') {
    if (!handlerFunc || inflight) {
      send({ t: 'result', id: msg.id, ok: false, error: response(runtimeError('InvalidState', 'the environment cannot take an invocation now')) });
      return;
    }
    invoke(msg);
  }
}

capture(process.stdout, 'stdout');
capture(process.stderr, 'stderr');
control = new net.Socket({ fd: inFd, readable: true, writable: false });
let buffered = '';
control.setEncoding('utf8');
control.on('data', (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    if (line) onMessage(line);
  }
});
control.on('end', () => process.exit(0));
