// send0 under an explicit condition (`deno run --conditions=worker`, as on Deno Deploy, which
// cannot load Node-API modules; or `node --conditions=worker`): it resolves to its edge build, which
// runs every shared vector. Without the condition Deno and Node take the Node-API entry.
import * as send0 from 'send0';

import files from './fixtures.mjs';
import { fixtureReport } from './suite.mjs';

const runtime = globalThis.Deno ? `deno ${globalThis.Deno.version.deno}` : `node ${globalThis.process.version}`;
const report = fixtureReport(send0, files);
for (const failure of report.failures) console.error(`${runtime}: ${failure}`);
if (report.entry !== 'edge') console.error(`${runtime}: send0 resolved to its ${report.entry} entry`);
console.log(`${runtime}: send0 ${report.version} (${report.entry} entry): ${report.cases} fixture cases, ${report.checks} checks, ${report.failures.length} failed`);
if (report.failures.length > 0 || report.entry !== 'edge') {
  if (globalThis.Deno) globalThis.Deno.exit(1);
  globalThis.process.exitCode = 1;
}
