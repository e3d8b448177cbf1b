/**
 * The client's request parameters against openapi.yaml. They are hand-written interfaces, and
 * scripts/generate/generate.py writes each operation's body fields and query parameters into
 * tests/fixtures/contract.json (`requests`): a field added to or removed from a request in
 * openapi.yaml fails this test until the interfaces follow.
 *
 * Two halves: tsc refuses the tables below unless each names exactly the keys of its interface, with
 * the kind of each and whether it is optional; at run time the tables, camelCase turned into the
 * wire's snake_case as the client does, must equal contract.json.
 */

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import type { CreateWebhookParams, ListParams, RequestOptions, UpdateWebhookParams, WebhooksResource } from 'send0';

import { REPO_ROOT } from './helpers';

/** rotateSecret's parameters have no interface of their own: the type of its second argument. */
type RotateSecretParams = NonNullable<Parameters<WebhooksResource['rotateSecret']>[1]>;

/** A contract.json kind of a field's type (never, which no literal satisfies, for any other). */
type Kind<T> = [T] extends [string]
  ? 'string'
  : [T] extends [number]
    ? 'integer'
    : [T] extends [boolean]
      ? 'boolean'
      : [T] extends [string[]]
        ? 'strings'
        : never;

/** Each key of T, no other, with its kind and whether it is required (not optional). */
type Fields<T> = { [K in keyof T]-?: { kind: Kind<NonNullable<T[K]>>; required: {} extends Pick<T, K> ? false : true } };

const create: Fields<CreateWebhookParams> = {
  url: { kind: 'string', required: true },
  events: { kind: 'strings', required: false },
  description: { kind: 'string', required: false },
  active: { kind: 'boolean', required: false },
};

const update: Fields<UpdateWebhookParams> = {
  url: { kind: 'string', required: false },
  events: { kind: 'strings', required: false },
  description: { kind: 'string', required: false },
  active: { kind: 'boolean', required: false },
  paused: { kind: 'boolean', required: false },
};

const rotate: Fields<RotateSecretParams> = {
  expirePreviousIn: { kind: 'integer', required: false },
};

const list: Fields<ListParams> = {
  limit: { kind: 'integer', required: false },
  cursor: { kind: 'string', required: false },
};

/** get, delete and test take the endpoint's id (and the request's options), no parameters: tsc checks it. */
type OnlyAnId<M> = M extends (...args: infer A) => unknown ? (A extends [id: string, options?: RequestOptions] ? true : false) : false;
const onlyAnId: [OnlyAnId<WebhooksResource['get']>, OnlyAnId<WebhooksResource['delete']>, OnlyAnId<WebhooksResource['test']>] = [
  true,
  true,
  true,
];

/** Each operation of openapi.yaml (contract.json names them by operationId) and its parameters. */
const OPERATIONS: Record<string, Record<string, { kind: string; required: boolean }>> = {
  listWebhooks: list,
  createWebhook: create,
  getWebhook: {},
  updateWebhook: update,
  deleteWebhook: {},
  testWebhook: {},
  rotateWebhookSecret: rotate,
  listWebhookDeliveries: list,
};

type Contract = { requests: Record<string, Record<string, { in: string; kind: string; required: boolean }>> };
const contract = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tests', 'fixtures', 'contract.json'), 'utf8')) as Contract;

/** The client's own rule (client.ts, toWire): camelCase request fields to the API's snake_case. */
const wireName = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

test('the request parameters are the fields of openapi.yaml', () => {
  assert.deepEqual(Object.keys(OPERATIONS).sort(), Object.keys(contract.requests).sort(), 'the operations of openapi.yaml');
  for (const [op, fields] of Object.entries(OPERATIONS)) {
    const ours = Object.fromEntries(Object.entries(fields).map(([key, field]) => [wireName(key), field]));
    const theirs = Object.fromEntries(
      Object.entries(contract.requests[op] ?? {}).map(([name, { kind, required }]) => [name, { kind, required }]),
    );
    assert.deepEqual(ours, theirs, `${op}: the TypeScript parameters (actual) differ from openapi.yaml (expected)`);
  }
});
