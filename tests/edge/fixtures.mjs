// The shared webhook vectors (tests/fixtures/webhooks, and explain's: tests/fixtures/explain), as
// static JSON imports: every runtime (workerd, the Edge VM, Deno, a browser bundle) gets them
// without file access. test/edge.test.ts in bindings-node checks that this list is the whole
// directory.

import explain from '../fixtures/explain/explain.json' with { type: 'json' };
import ed25519 from '../fixtures/webhooks/ed25519.json' with { type: 'json' };
import events from '../fixtures/webhooks/events.json' with { type: 'json' };
import headers from '../fixtures/webhooks/headers.json' with { type: 'json' };
import order from '../fixtures/webhooks/order.json' with { type: 'json' };
import payloads from '../fixtures/webhooks/payloads.json' with { type: 'json' };
import rotation from '../fixtures/webhooks/rotation.json' with { type: 'json' };
import secrets from '../fixtures/webhooks/secrets.json' with { type: 'json' };
import sign from '../fixtures/webhooks/sign.json' with { type: 'json' };
import signatures from '../fixtures/webhooks/signatures.json' with { type: 'json' };
import spec from '../fixtures/webhooks/spec.json' with { type: 'json' };
import timestamps from '../fixtures/webhooks/timestamps.json' with { type: 'json' };

export default {
  'explain.json': explain,
  'ed25519.json': ed25519,
  'events.json': events,
  'headers.json': headers,
  'order.json': order,
  'payloads.json': payloads,
  'rotation.json': rotation,
  'secrets.json': secrets,
  'sign.json': sign,
  'signatures.json': signatures,
  'spec.json': spec,
  'timestamps.json': timestamps,
};
