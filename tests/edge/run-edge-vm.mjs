// The Vercel Edge runtime (@edge-runtime/vm, with WebAssembly code generation off as in production):
// a module that imports send0 is bundled as Next.js bundles middleware (the edge-light, worker and
// browser conditions; a `.wasm?module` import compiled outside the sandbox and handed in as a
// WebAssembly.Module binding), then evaluated in the VM, where it runs every shared vector.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { EdgeVM } from '@edge-runtime/vm';
import * as esbuild from 'esbuild';

const here = path.dirname(new URL(import.meta.url).pathname);
const wasmBindings = {};

/** `import x from './y.wasm?module'`: the module, compiled here, read from a global binding. */
const wasmModules = {
  name: 'wasm-module-bindings',
  setup(build) {
    build.onResolve({ filter: /\.wasm\?module$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.replace(/\?module$/, '')),
      namespace: 'wasm-module',
    }));
    build.onLoad({ filter: /.*/, namespace: 'wasm-module' }, (args) => {
      const name = `__send0_wasm_${Object.keys(wasmBindings).length}`;
      wasmBindings[name] = new WebAssembly.Module(readFileSync(args.path));
      return { contents: `export default globalThis.${name};`, loader: 'js' };
    });
  },
};

const bundle = await esbuild.build({
  stdin: {
    contents: "import * as send0 from 'send0'; import files from './fixtures.mjs'; import { fixtureReport } from './suite.mjs';\n" +
      'export const report = () => fixtureReport(send0, files);\n' +
      "export const client = () => { try { new send0.Send0('sk_test_send0_local'); return 'made'; } catch (e) { return `${e.name}: ${e.message}`; } };\n",
    resolveDir: here,
    loader: 'js',
  },
  bundle: true,
  write: false,
  format: 'iife',
  globalName: '__edge',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  conditions: ['edge-light', 'worker', 'browser'],
  plugins: [wasmModules],
  logLevel: 'warning',
});

const vm = new EdgeVM({
  codeGeneration: { strings: false, wasm: false },
  extend: (context) => Object.assign(context, wasmBindings),
});
// What production forbids is forbidden here too.
let fromBytes = 'allowed';
try {
  vm.evaluate('new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))');
} catch (error) {
  fromBytes = String(error);
}
if (fromBytes === 'allowed') throw new Error('the Edge VM compiles WebAssembly from bytes: not the production setting');

vm.evaluate(bundle.outputFiles[0].text);
const report = vm.evaluate('__edge.report()');
const client = vm.evaluate('__edge.client()');
for (const failure of report.failures) console.error(`edge-vm: ${failure}`);
if (report.entry !== 'edge') console.error(`edge-vm: send0 resolved to its ${report.entry} entry`);
if (!/^InvalidArgumentError: the send0 API client needs the Node runtime/.test(client)) console.error(`edge-vm: the client: ${client}`);
console.log(`edge-vm: send0 ${report.version} (${report.entry} entry): ${report.cases} fixture cases, ${report.checks} checks, ${report.failures.length} failed`);
process.exitCode = report.failures.length === 0 && report.entry === 'edge' && client.startsWith('InvalidArgumentError') ? 0 : 1;
