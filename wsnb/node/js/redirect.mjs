// Endpoint redirection with no change to a handler's code: HTTPS requests for the emulator's
// @connections API go as plain HTTP to its management listener, path, method, headers (Host
// included) and body unchanged. Two endpoint forms are recognised:
//   https://{domainName}/{stage}/@connections/{id}   domainName given, e.g. "127.0.0.1:8080"
//   https://{apiId}.execute-api.{region}.amazonaws.com/{stage}/@connections/{id}
// https.request/https.get (which the AWS SDK's NodeHttpHandler looks up per request) and
// globalThis.fetch are wrapped; module.syncBuiltinESMExports() updates `import { request }`.
// https is wrapped when a module first asks for it (activateHttps(), called by the resolve
// hook), so a handler that never uses it does not pay for loading it.
import module from 'node:module';

const EXECUTE_API = /^([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com$/i;
const CONNECTIONS = /^\/[^/?]+\/(@|%40)connections(\/|\?|$)/i;

let matches = () => false;
let target;
let prefix = '';
let wrapped = false;
// Headers added to redirected requests only (the emulator's: which invocation made the call).
let extra = {};

export function setHeaders(headers) {
  extra = headers && typeof headers === 'object' ? headers : {};
}

export function install({ target: url, hosts = [], apiIds = [] }) {
  if (!url) return;
  target = new URL(url);
  prefix = target.pathname.replace(/\/$/, '');
  const exact = new Set(hosts.map((h) => h.toLowerCase()));
  const ids = new Set(apiIds);
  matches = (hostname, port, pathname) => {
    const host = String(hostname || '').toLowerCase().replace(/^\[|\]$/g, '');
    const withPort = port && String(port) !== '443' ? `${host}:${port}` : host;
    if (exact.has(withPort)) return true;
    const m = EXECUTE_API.exec(host);
    if (!m || (ids.size && !ids.has(m[1]))) return false;
    return CONNECTIONS.test(pathname || '/');
  };
  wrapFetch();
}

function wrapFetch() {
  const original = globalThis.fetch;
  if (typeof original !== 'function') return;
  globalThis.fetch = function fetch(input, init) {
    const isRequest = typeof Request !== 'undefined' && input instanceof Request;
    let url;
    try {
      url = new URL(isRequest ? input.url : String(input));
    } catch {
      return original(input, init);
    }
    if (url.protocol !== 'https:' || !matches(url.hostname, url.port, url.pathname)) {
      return original(input, init);
    }
    const moved = new URL(prefix + url.pathname + url.search, target);
    const headers = new Headers(init?.headers ?? (isRequest ? input.headers : undefined));
    headers.set('x-forwarded-host', url.host);
    for (const [key, value] of Object.entries(extra)) headers.set(key, value);
    const request = isRequest ? new Request(moved, input) : moved;
    return original(request, { ...(init || {}), headers });
  };
}

export function activateHttps() {
  if (wrapped || !target) return;
  wrapped = true;
  const http = process.getBuiltinModule('node:http');
  const https = process.getBuiltinModule('node:https');
  const original = https.request;

  function split(args) {
    let url, options, callback;
    if (typeof args[0] === 'string' || args[0] instanceof URL) {
      url = new URL(args[0]);
      if (typeof args[1] === 'function') callback = args[1];
      else [options, callback] = [args[1], args[2]];
    } else {
      [options, callback] = [args[0], args[1]];
    }
    const o = { ...(options || {}) };
    if (url) {
      o.hostname ??= url.hostname;
      o.port ??= url.port;
      o.path ??= url.pathname + url.search;
    }
    return { o, callback };
  }

  function request(...args) {
    const { o, callback } = split(args);
    const host = o.host ? String(o.host) : undefined;
    const hostname = o.hostname ?? (host ? host.replace(/:\d+$/, '') : 'localhost');
    const port = o.port || (host && /:\d+$/.test(host) ? host.split(':').pop() : undefined);
    if (!matches(hostname, port, (o.path || '/').split('?')[0])) {
      return original.apply(https, args);
    }
    const headers = { ...(o.headers || {}) };
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'host')) {
      headers.host = port && String(port) !== '443' ? `${hostname}:${port}` : hostname;
    }
    Object.assign(headers, extra);
    const forwarded = {
      protocol: 'http:',
      hostname: target.hostname,
      port: target.port || 80,
      path: prefix + (o.path || '/'),
      method: o.method || 'GET',
      headers,
      timeout: o.timeout,
      signal: o.signal,
    };
    return http.request(forwarded, callback);
  }

  https.request = request;
  https.get = function get(...args) {
    const req = request(...args);
    req.end();
    return req;
  };
  module.syncBuiltinESMExports();
}
