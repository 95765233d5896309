// wsnb's esbuild helper: one long-lived process answering bundle/analyze requests.
// Protocol: one JSON request per line on stdin, one JSON answer per line on stdout, in order.
// argv[2]: the esbuild package folder (wsnb's cache). Requests name an entry relative to a
// root, and esbuild always runs with that root as its working directory, so the output (its
// path comments included) is the same on every machine. `banner` (sent with each request) is
// the one line that gives CommonJS code inside an ES module bundle Node's require().
import { createRequire } from 'node:module';
import readline from 'node:readline';

const esbuild = createRequire(import.meta.url)(process.argv[2]);
const SHIM = /\bvar __require = /;

function options(req, format, banner) {
  const ext = format === 'esm' ? '.mjs' : '.cjs';
  return {
    entryPoints: [req.entry],
    absWorkingDir: req.root,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format,
    target: req.target,
    external: ['@aws-sdk/*'],
    outbase: '.',
    outdir: '.',
    outExtension: { '.js': ext },
    sourcemap: req.sourcemap ? 'inline' : false,
    banner: banner ? { js: req.banner } : undefined,
    logLevel: 'silent',
    color: false,
  };
}

async function build(req) {
  let format = 'esm';
  let result = await esbuild.build(options(req, format, false));
  const input = result.metafile.inputs[req.entry];
  if (input && input.format === 'cjs') {
    // A CommonJS entry stays CommonJS: Lambda requires it and reads its module.exports.
    format = 'cjs';
    result = await esbuild.build(options(req, format, false));
  } else if (SHIM.test(result.outputFiles[0].text)) {
    // CommonJS code inside an ES module bundle calls require(): give it Node's.
    result = await esbuild.build(options(req, format, true));
  }
  const [name, meta] = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint);
  const code = result.outputFiles.find((f) => f.path.endsWith(name)) ?? result.outputFiles[0];
  const sdk = new Set();
  for (const imp of meta.imports) {
    if (imp.external && imp.path.startsWith('@aws-sdk/')) {
      sdk.add(imp.path.split('/').slice(0, 2).join('/'));
    }
  }
  return {
    format,
    filename: name,
    code: req.code ? code.text : undefined,
    exports: format === 'esm' ? meta.exports : null,
    complete: format === 'esm' && !/^export \* from /m.test(code.text),
    sdk: [...sdk].sort(),
    inputs: Object.keys(result.metafile.inputs).sort(),
    warnings: result.warnings.map(describe),
  };
}

function describe(message) {
  const loc = message.location;
  const where = loc ? `${loc.file}:${loc.line}:${loc.column}: ` : '';
  return where + message.text;
}

async function answer(req) {
  try {
    return { id: req.id, ok: true, ...(await build(req)) };
  } catch (err) {
    const errors = Array.isArray(err.errors) && err.errors.length
      ? err.errors.map(describe)
      : [String(err && err.message ? err.message : err)];
    return { id: req.id, ok: false, errors };
  }
}

const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  const req = JSON.parse(line);
  queue = queue.then(async () => {
    process.stdout.write(JSON.stringify(await answer(req)) + '\n');
  });
});
lines.on('close', () => queue.then(() => esbuild.stop?.()));
