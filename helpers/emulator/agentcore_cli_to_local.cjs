// Loaded into Node programs of a shell that ran `eval "$(agentcore-local env)"` (through
// NODE_OPTIONS=--require). It acts only in the real `agentcore` CLI (npm @aws/agentcore),
// and only where no endpoint variable reaches (helpers/emulator/real_cli.py says why):
//
// - `agentcore invoke` builds https://bedrock-agentcore.<region>.amazonaws.com/runtimes/
//   <ARN>/invocations itself and calls Node's fetch. Those requests, and no others, go to
//   the local Runtime's front door instead (AGENTCORE_LOCAL_RUNTIME_URL), path and query
//   unchanged; the stack's CA comes from NODE_EXTRA_CA_CERTS.
// - At start the CLI asks npm whether it is current, unless its config folder
//   (AGENTCORE_CONFIG_DIR, the stack's own) records a check within a day: one is recorded,
//   so nothing leaves loopback.
"use strict";

const fs = require("fs");
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
    if (!AGENTCORE_DATA_PLANE.test(url.hostname) || !url.pathname.startsWith("/runtimes/")) {
      return fetch(input, init);
    }
    const local = new URL(url.pathname + url.search, base);
    return fetch(request ? new Request(local, request) : local, init);
  };
}

if (isAgentcoreCli && runtimeUrl) {
  if (process.env.AGENTCORE_CONFIG_DIR) {
    recordCurrentUpdateCheck(process.env.AGENTCORE_CONFIG_DIR);
  }
  globalThis.fetch = toLocalRuntime(globalThis.fetch, runtimeUrl);
}
