// Loaded into the real `agentcore` CLI with `node --require` (through NODE_OPTIONS) by the
// kit's AWS backend. The CLI takes a bearer token only as `--bearer-token <token>`, and a
// process's command line is readable by every user of the machine (/proc/<pid>/cmdline).
// So the kit hands the token over in the environment, which only the process's owner can
// read, and this adds the option to the CLI's own argument list, inside the process, before
// the CLI parses it. The variable is removed, so nothing the CLI starts inherits it.
"use strict";

const variable = "AGENTCORE_KIT_BEARER_TOKEN";
const token = process.env[variable];
if (token) {
  delete process.env[variable];
  process.argv.push("--bearer-token", token);
}
