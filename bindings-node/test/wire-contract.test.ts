/**
 * The API behaviour vectors of tests/fixtures/http (its README gives the schema), played to the
 * client through the scripted server: the same cases every SDK's suite plays to its own.
 */

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';

import { Send0, Send0Error } from 'send0';

import { REPO_ROOT, ScriptedServer } from './helpers';

interface VectorCase {
  name: string;
  replies: { status: number; body: unknown }[];
  expect: Record<string, unknown>;
}

function cases(file: string): VectorCase[] {
  const document = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tests', 'fixtures', 'http', file), 'utf8')) as { cases: VectorCase[] };
  assert.ok(document.cases.length > 0, `${file} has no cases`);
  return document.cases;
}

let scripted: ScriptedServer;
before(async () => {
  scripted = await ScriptedServer.start();
});
after(() => scripted.close());
beforeEach(() => scripted.reset());

const client = (): Send0 => new Send0('sk_test_scripted_key', { baseUrl: scripted.url });

describe('pagination vectors: each walk ends with the expected error', () => {
  for (const c of cases('pagination.json')) {
    test(c.name, async () => {
      scripted.reply(...c.replies);
      const items: string[] = [];
      const error = await (async () => {
        try {
          for await (const endpoint of client().webhooks.list()) items.push(endpoint.id);
        } catch (e) {
          return e;
        }
        return assert.fail('the walk ended without an error');
      })();
      assert.ok(error instanceof Send0Error, String(error));
      assert.deepEqual(
        { items, kind: error.kind, requests: scripted.requests.length },
        { items: c.expect['items'], kind: c.expect['error'], requests: c.expect['requests'] },
      );
    });
  }
});

describe('forward-compatibility vectors: unknown fields and statuses reach the user', () => {
  for (const c of cases('forward_compat.json')) {
    test(c.name, async () => {
      scripted.reply(...c.replies);
      const got = await client().webhooks.get(c.expect['id'] as string);
      const listed = (await client().webhooks.list()).data[0];
      for (const endpoint of [got, listed]) {
        assert.equal(endpoint?.status, c.expect['status']);
        const asSent = endpoint as unknown as Record<string, unknown>;
        for (const [name, value] of Object.entries(c.expect['unknown'] as Record<string, unknown>)) {
          assert.deepEqual(asSent[name], value, name);
        }
      }
    });
  }
});
