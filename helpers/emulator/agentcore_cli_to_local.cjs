// Loaded into Node programs of a shell that ran `eval "$(agentcore-local env)"` (through
// NODE_OPTIONS=--require). It acts only in the real `agentcore` CLI (npm @aws/agentcore),
// and only where no endpoint variable reaches (helpers/emulator/real_cli.py says why):
//
// - `agentcore invoke` sends to https://bedrock-agentcore.<region>.amazonaws.com/runtimes/
//   <ARN>/invocations: with a bearer token through Node's fetch, with SigV4 through the
//   AWS SDK, whose client the CLI gives that endpoint explicitly (so AWS_ENDPOINT_URL
//   does not apply) and which calls https.request. Those requests, and no others, go to
//   the local Runtime's front door instead (AGENTCORE_LOCAL_RUNTIME_URL), path, query
//   and headers unchanged; the stack's CA comes from NODE_EXTRA_CA_CERTS.
// - `agentcore logs` without --since or --until follows the logs with CloudWatch Logs Live
//   Tail (StartLiveTail), an HTTP/2 event stream on the endpoint's host with "stream-"
//   before it, which the local stack does not serve: the CLI is told so, and what to run.
// - At start the CLI asks npm whether it is current, unless its config folder
//   (AGENTCORE_CONFIG_DIR, the stack's own) records a check within a day: one is recorded,
//   so nothing leaves loopback.
"use strict";

const dns = require("dns");
const fs = require("fs");
const https = require("https");
const { syncBuiltinESMExports } = require("module");
const path = require("path");

const runtimeUrl = process.env.AGENTCORE_LOCAL_RUNTIME_URL;
const isAgentcoreCli = realScript().includes(`${path.sep}@aws${path.sep}agentcore${path.sep}`);
const AGENTCORE_DATA_PLANE = /^bedrock-agentcore\.[a-z0-9-]+\.amazonaws\.com$/;

// The script Node runs, through node_modules/.bin's link to the package.
function realScript() {
  try {
    return fs.realpathSync(process.argv[1] || "");
  } catch {
    return "";
  }
}

function recordCurrentUpdateCheck(folder) {
  try {
    fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
    const check = { lastCheck: Date.now(), latestVersion: "0.0.0" };
    fs.writeFileSync(path.join(folder, "update-check.json"), JSON.stringify(check), { mode: 0o600 });
  } catch {
    // Without it the CLI asks npm, as it would anywhere: nothing breaks.
  }
}

function toLocalRuntime(fetch, base) {
  return function localFetch(input, init) {
    const request = input instanceof Request ? input : null;
    const url = new URL(request ? request.url : input);
    if (!isRuntimeCall(url.hostname, url.pathname)) {
      return fetch(input, init);
    }
    const local = new URL(url.pathname + url.search, base);
    return fetch(request ? new Request(local, request) : local, init);
  };
}

const LIVE_TAIL_NOT_SERVED =
  "the local stack does not serve CloudWatch Logs Live Tail, which `agentcore logs` " +
  "uses to follow the logs. Search them instead: agentcore logs --since 30m";

// The SDK names the Live Tail host "stream-" + the endpoint's host; refuse that lookup.
function refusingLiveTail(lookup, endpointHost) {
  return function localLookup(hostname, ...rest) {
    if (hostname === `stream-${endpointHost}`) {
      const callback = rest[rest.length - 1];
      const error = Object.assign(new Error(LIVE_TAIL_NOT_SERVED), { code: "ENOTFOUND" });
      process.nextTick(callback, error);
      return {};
    }
    return lookup.call(dns, hostname, ...rest);
  };
}

function isRuntimeCall(hostname, pathname) {
  return AGENTCORE_DATA_PLANE.test(hostname || "") && (pathname || "").startsWith("/runtimes/");
}

// The AWS SDK calls https.request(options) with host, port, path and its signed headers
// (Host among them, so the signature still matches what was signed). Node would name the
// TLS server after that Host header; an empty servername makes it check the certificate
// against the local address, as the stack's certificate names it.
function requestToLocalRuntime(request, base) {
  const local = new URL(base);
  return function localRequest(options, ...rest) {
    if (options && typeof options === "object" && !(options instanceof URL)) {
      const host = options.hostname || options.host;
      if (isRuntimeCall(host, options.path)) {
        options = { ...options, host: local.hostname, hostname: local.hostname, port: local.port, servername: "" };
      }
    }
    return request.call(https, options, ...rest);
  };
}

if (isAgentcoreCli && runtimeUrl) {
  if (process.env.AGENTCORE_CONFIG_DIR) {
    recordCurrentUpdateCheck(process.env.AGENTCORE_CONFIG_DIR);
  }
  globalThis.fetch = toLocalRuntime(globalThis.fetch, runtimeUrl);
  https.request = requestToLocalRuntime(https.request, runtimeUrl);
  if (process.env.AWS_ENDPOINT_URL) {
    dns.lookup = refusingLiveTail(dns.lookup, new URL(process.env.AWS_ENDPOINT_URL).hostname);
  }
  // The CLI is an ES module: its `import { request } from "https"` sees the patched one.
  syncBuiltinESMExports();
}
