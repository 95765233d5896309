// Module hooks for a Node handler's process (module.registerHooks: in-thread, for both
// `import` and `require`):
// - resolve: a handler's own resolution first; when it fails, `@aws-sdk/*` (and `@smithy/*`,
//   `@aws-crypto/*`) come from wsnb's cached SDK, as Lambda's runtime provides them (CommonJS
//   `require` finds them through NODE_PATH, as on Lambda); a relative import without its
//   extension, or naming `.js` for a `.ts` file, finds the TypeScript file as bundlers do.
// - it tells onHttps() when a module first asks for `https` (endpoint redirection wraps it then).
// - load: files Node cannot load as they stand (`.tsx`, `.jsx`, TypeScript that type stripping
//   refuses such as `enum`) are transpiled with esbuild, file by file, keeping their location.
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PROVIDED = /^@(aws-sdk|smithy|aws-crypto)\//;
const NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);
const TRANSPILE_CODES = new Set([
  'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX',
  'ERR_UNKNOWN_FILE_EXTENSION',
  'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING',
  'ERR_NO_TYPESCRIPT',
]);
const ALWAYS = /\.(tsx|jsx)$/;
const TYPESCRIPT = /\.(ts|mts|cts)$/;
const SWAP = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'], '.jsx': ['.tsx'] };
const TRY = ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.jsx', '.cts', '.json'];

export function packageType(file) {
  // The nearest package.json's "type" ("module", "commonjs" or undefined), as Lambda reads it.
  let dir = path.dirname(file);
  for (;;) {
    if (path.basename(dir) === 'node_modules') return undefined;
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        const type = JSON.parse(fs.readFileSync(pj, 'utf8')).type;
        return type === 'module' ? 'module' : 'commonjs';
      } catch {
        return undefined;
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export function install({ sdk, esbuild, target, onTranspile, onHttps }) {
  const anchor = pathToFileURL(path.join(sdk, 'wsnb-provided-sdk.js')).href;
  let esbuildApi;

  function transpile(url) {
    const file = fileURLToPath(url);
    const source = fs.readFileSync(file, 'utf8');
    let format;
    if (file.endsWith('.mts')) format = 'esm';
    else if (file.endsWith('.cts')) format = 'cjs';
    else {
      const type = packageType(file);
      if (type) format = type === 'module' ? 'esm' : 'cjs';
      else format = /^\s*(import\s*[\w{*'"]|export\s)/m.test(source) ? 'esm' : 'cjs';
    }
    esbuildApi ??= module.createRequire(import.meta.url)(esbuild);
    const out = esbuildApi.buildSync({
      entryPoints: [file],
      bundle: false,
      write: false,
      format,
      platform: 'node',
      target,
      sourcemap: 'inline',
      logLevel: 'silent',
      absWorkingDir: path.dirname(file),
    });
    onTranspile?.(file);
    return {
      format: format === 'esm' ? 'module' : 'commonjs',
      source: out.outputFiles[0].text,
      shortCircuit: true,
    };
  }

  function alternative(specifier, parentURL) {
    if (!parentURL?.startsWith('file:')) return undefined;
    if (!(specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/'))) {
      return undefined;
    }
    const base = path.resolve(path.dirname(fileURLToPath(parentURL)), specifier);
    const ext = path.extname(base);
    const candidates = [];
    for (const alt of SWAP[ext] ?? []) candidates.push(base.slice(0, -ext.length) + alt);
    for (const alt of TRY) candidates.push(base + alt);
    for (const alt of TRY) candidates.push(path.join(base, 'index' + alt));
    const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
    return found ? pathToFileURL(found).href : undefined;
  }

  module.registerHooks({
    resolve(specifier, context, next) {
      if (specifier === 'https' || specifier === 'node:https') onHttps?.();
      try {
        return next(specifier, context);
      } catch (err) {
        if (!NOT_FOUND.has(err?.code)) throw err;
        if (PROVIDED.test(specifier)) {
          try {
            return next(specifier, { ...context, parentURL: anchor });
          } catch {
            throw err; // not in the provided SDK either: the handler's own error
          }
        }
        const url = alternative(specifier, context.parentURL);
        if (url) return { url, shortCircuit: true };
        throw err;
      }
    },
    load(url, context, next) {
      if (url.startsWith('file:') && ALWAYS.test(url)) return transpile(url);
      try {
        return next(url, context);
      } catch (err) {
        if (url.startsWith('file:') && TYPESCRIPT.test(url) && TRANSPILE_CODES.has(err?.code)) {
          return transpile(url);
        }
        throw err;
      }
    },
  });
}
