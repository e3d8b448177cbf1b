/**
 * One version everywhere: the npm package's version (which the User-Agent carries) is the Rust
 * workspace's, as the native core reports it, so a release cannot ship a package.json that drifted.
 */

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { VERSION } from 'send0';

import { PACKAGE_ROOT } from './helpers';

test('package.json carries the core version', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const native = require(path.join(PACKAGE_ROOT, 'native', 'index.js')) as { coreVersion(): string };
  const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.match(native.coreVersion(), /^\d+\.\d+\.\d+/);
  assert.equal(manifest.version, native.coreVersion());
  assert.equal(VERSION, manifest.version, 'the exported VERSION');
  // The edge build is released beside it, at the same version (scripts/dist-node.sh pins the dependency).
  const wasmManifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'wasm', 'package.json'), 'utf8')) as { version: string };
  assert.equal(wasmManifest.version, manifest.version, 'bindings-node/wasm/package.json');
});
