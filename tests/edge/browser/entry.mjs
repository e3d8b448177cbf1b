// The browser test's module: send0 (its browser condition) and every shared vector, plus what
// constructing the API client says.
import * as send0 from 'send0';

import files from '../fixtures.mjs';
import { fixtureReport } from '../suite.mjs';

export function report() {
  let client;
  try {
    new send0.Send0('sk_test_send0_local');
    client = 'made';
  } catch (error) {
    client = `${error.name}: ${error.message}`;
  }
  return { ...fixtureReport(send0, files), userAgent: navigator.userAgent, client };
}
