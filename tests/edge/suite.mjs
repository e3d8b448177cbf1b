// The shared webhook vectors through any build of the send0 JavaScript SDK, on any runtime: plain
// JavaScript with no Node APIs, so the same checks run in Node (both builds), workerd, the Edge VM,
// Deno and a browser. `runFixtures(send0, files)` returns { cases, checks, failures }: a case that
// a runtime cannot express is a failure, never a skip. The explain vectors (a case with `expect`,
// tests/fixtures/explain/README.md) go through `checkExplain`.

const utf8 = new TextEncoder();

function base64Bytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bodyOf(c) {
  return c.body_base64 !== undefined ? base64Bytes(c.body_base64) : utf8.encode(c.body ?? '');
}

/** The body in each form the SDK takes: bytes, an ArrayBuffer, and the string when it is text. */
function bodyForms(c) {
  const bytes = bodyOf(c);
  const forms = [['Uint8Array', bytes], ['ArrayBuffer', bytes.slice().buffer]];
  if (c.body_base64 === undefined) forms.push(['string', c.body ?? '']);
  return forms;
}

/**
 * The header containers: the vector's ordered pairs, a plain object, a Map, and a Web Headers
 * unless a value is one that Headers cannot hold as given: a character above U+00FF (refused), or
 * leading or trailing whitespace (trimmed, as every HTTP parser does). No request can carry those
 * either; such cases run through the other three containers.
 */
function headerForms(pairs) {
  const object = {};
  const map = new Map();
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    const seen = object[key];
    object[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    map.set(key, object[key]);
  }
  const forms = [['pairs', pairs], ['object', object], ['Map', map]];
  const holdable = (text) => /^[\x00-\xff]*$/.test(text) && text === text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  if (pairs.every(([name, value]) => holdable(name) && holdable(value))) {
    const web = new Headers();
    try {
      for (const [name, value] of pairs) web.append(name, value);
      forms.push(['Headers', web]);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // a name Headers refuses (not a token)
    }
  }
  return forms;
}

function secretParts(c) {
  const parts = [];
  for (const s of c.secrets ?? []) {
    for (const p of [s, s.replace(/^(whsec_|whpk_)/, '')]) if (p.length >= 8) parts.push(p);
  }
  return parts;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The differences between an event and the vector's expectation ('' when none). */
function eventProblem(c, event, body) {
  const want = c.event;
  const got = {
    id: event.id, type: event.type, service: event.service, livemode: event.livemode,
    created_at: event.createdAt instanceof Date ? event.createdAt.getTime() : 'not a Date',
    webhook_id: event.webhookId, timestamp: event.timestamp,
  };
  for (const key of Object.keys(got)) {
    if (got[key] !== want[key]) return `${key} is ${JSON.stringify(got[key])}, want ${JSON.stringify(want[key])}`;
  }
  if (JSON.stringify(event.data) !== JSON.stringify(want.data)) return `data is ${JSON.stringify(event.data)}`;
  if (!(event.raw instanceof Uint8Array) || !sameBytes(event.raw, body)) return 'raw is not the body as verified';
  return '';
}

function errorProblem(c, send0, error) {
  if (!(error instanceof send0.WebhookVerificationError) || !(error instanceof send0.Send0Error)) {
    return `expected a WebhookVerificationError, got ${error}`;
  }
  if (error.kind !== c.error) return `kind ${error.kind}, want ${c.error} (${error.message})`;
  if (c.error_mentions && !error.message.includes(c.error_mentions)) return `"${error.message}" does not mention ${c.error_mentions}`;
  for (const part of secretParts(c)) if (error.message.includes(part)) return `the message shows a secret: ${error.message}`;
  return '';
}

/** Runs one case in one shape: '' when it holds, else what went wrong. */
function check(send0, c, body, headers) {
  const options = { now: c.now, ...(c.tolerance === undefined ? {} : { tolerance: c.tolerance }) };
  const verify = c.op === 'verify' ? send0.verify : send0.verifyRaw;
  let result;
  try {
    result = verify(body, headers, c.secrets, options);
  } catch (error) {
    return c.error ? errorProblem(c, send0, error) : `failed: ${error}`;
  }
  if (c.error) return `verified, want ${c.error}`;
  if (c.op === 'verify_raw') return result === undefined ? '' : 'verifyRaw returned a value';
  return eventProblem(c, result, bodyOf(c));
}

function checkSign(send0, c) {
  const problems = [];
  for (const [form, body] of bodyForms(c)) {
    const viaDate = send0.Send0.webhooks.sign(c.secret, c.msg_id, new Date(c.timestamp * 1000), body);
    const signature = send0.sign(c.secret, c.msg_id, c.timestamp, body);
    if (signature !== c.expected || viaDate !== c.expected) problems.push(`${form}: signed ${signature}, want ${c.expected}`);
    const headers = [['webhook-id', c.msg_id], ['webhook-timestamp', String(c.timestamp)], ['webhook-signature', signature]];
    try {
      send0.verifyRaw(body, headers, c.secret, { now: c.timestamp });
    } catch (error) {
      problems.push(`${form}: what it signed does not verify: ${error}`);
    }
  }
  return problems;
}

/** What a report says, in the form of a case's `expect` (as core/tests/explain.rs reads it). */
function observed(report, expect) {
  const got = {
    verified: report.verified,
    diagnoses: report.diagnoses.map((d) => d.code),
    matched_secrets: report.entries.map((e) => e.matchedSecret),
    altered: report.body.altered,
  };
  if (expect.fix_mentions !== undefined) {
    const fix = report.diagnoses[0]?.fix ?? '';
    got.fix_mentions = fix.includes(expect.fix_mentions) ? expect.fix_mentions : fix;
  }
  return got;
}

/** Every 12-character window of each secret's key material: none may show in a report or an error. */
function secretWindows(c) {
  const windows = [];
  for (const secret of c.secrets) {
    const material = secret.trim().replace(/^(whsec_)*/, '').replace(/^(whpk_)*/, '').replace(/^(sk_test_)*/, '');
    for (let i = 0; i + 12 <= material.length; i++) windows.push(material.slice(i, i + 12));
  }
  return windows;
}

/**
 * One explain vector through `send0.webhooks.explain`: its `expect`, no part of a secret in the
 * report or in the failed verify's message and hint, `verified` agreeing with verifyRaw, the hint
 * equal to the report's summary wherever verify has what explain needs (the first code body_*,
 * timestamp_*, no_match, public_key_for_v1 or hmac_secret_for_v1a) and never inside the message
 * (which handlers send back), and the same report from each body form and header container.
 * Returns { checks, problems, hinted } (hinted: whether the hint was compared).
 */
export function checkExplain(send0, c) {
  const options = { now: c.now };
  const headers = headerForms(c.headers);
  const first = send0.Send0.webhooks.explain(utf8.encode(c.body), c.headers, c.secrets, options);
  const text = JSON.stringify(first);
  const problems = [];
  const got = observed(first, c.expect);
  for (const key of new Set([...Object.keys(c.expect), ...Object.keys(got)])) {
    if (JSON.stringify(got[key]) !== JSON.stringify(c.expect[key])) {
      problems.push(`${key} is ${JSON.stringify(got[key])}, want ${JSON.stringify(c.expect[key])} (${first.summary})`);
    }
  }
  let error = null;
  try {
    send0.verifyRaw(c.body, c.headers, c.secrets, options);
  } catch (e) {
    if (!(e instanceof send0.WebhookVerificationError)) return { checks: 1, problems: [`verifyRaw threw ${e}`], hinted: false };
    error = e;
  }
  if (first.verified !== (error === null)) problems.push(`verified is ${first.verified}, verifyRaw ${error ? `threw ${error.kind}` : 'passed'}`);
  const errorText = error ? `${error.message} ${error.hint}` : '';
  for (const window of secretWindows(c)) {
    if (text.includes(window)) problems.push(`the report holds part of a secret: ${text}`);
    if (errorText.includes(window)) problems.push(`the error holds part of a secret: ${errorText}`);
  }
  const code = first.diagnoses[0]?.code ?? '';
  const hinted = error !== null && (/^(body|timestamp)_/.test(code) || ['no_match', 'public_key_for_v1', 'hmac_secret_for_v1a'].includes(code));
  if (hinted && error.hint !== first.summary) problems.push(`the hint is ${JSON.stringify(error.hint)}, want the summary ${JSON.stringify(first.summary)}`);
  if (error?.hint && error.message.includes(error.hint)) problems.push(`the message holds the hint: ${error.message}`);
  let checks = 0;
  for (const [bodyForm, body] of bodyForms(c)) {
    for (const [headerForm, h] of headers) {
      checks++;
      const report = JSON.stringify(send0.Send0.webhooks.explain(body, h, c.secrets, options));
      if (report !== text) problems.push(`${bodyForm} body, ${headerForm}: another report: ${report}`);
    }
  }
  return { checks, problems: [...new Set(problems)], hinted };
}

/**
 * Runs every case of `files` ({ 'name.json': { cases } }) through `send0` (the module namespace of
 * an entry of the package): each body form and each header container.
 */
export function runFixtures(send0, files) {
  let cases = 0;
  let checks = 0;
  let hinted = 0;
  const failures = [];
  for (const [file, { cases: list }] of Object.entries(files)) {
    for (const c of list) {
      cases++;
      const problems = [];
      if (c.op === 'sign') {
        checks++;
        problems.push(...checkSign(send0, c));
      } else if (c.expect) {
        const result = checkExplain(send0, c);
        checks += result.checks;
        hinted += result.hinted ? 1 : 0;
        problems.push(...result.problems);
      } else {
        for (const [bodyForm, body] of bodyForms(c)) {
          for (const [headerForm, headers] of headerForms(c.headers)) {
            checks++;
            const problem = check(send0, c, body, headers);
            if (problem) problems.push(`${bodyForm} body, ${headerForm}: ${problem}`);
          }
        }
      }
      for (const problem of problems) failures.push(`${file} ${c.name}: ${problem}`);
    }
    if (file === 'explain.json' && hinted < 10) failures.push(`explain.json: only ${hinted} hints compared with their summary`);
  }
  return { cases, checks, failures };
}

/**
 * Runs the vectors through `send0` and says how it went, as every runtime's harness prints it:
 * { entry, version, cases, checks, failures }. `entry` is 'edge' when `send0` resolved to the edge
 * build (only it exports createEdge), so a harness can tell that it ran what it meant to.
 */
export function fixtureReport(send0, files) {
  return {
    entry: typeof send0.createEdge === 'function' ? 'edge' : 'node',
    version: send0.VERSION,
    ...runFixtures(send0, files),
  };
}
