/**
 * The protocol reference cannot drift: docs/protocol.md is rendered from the router and
 * core's schemas, and must equal what `npm run docs:protocol` writes today. And every
 * procedure that answers a secret (core's SecretString) is one whose secret is kept out
 * of storage: a new one fails here until it is added, and tested, like these.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderProtocol, secretAnswers } from '../apps/api/protocol/render.ts';
import { ROOT_DIR } from '../scripts/local.ts';

describe('protocol reference', () => {
  it('docs/protocol.md is what the code defines (run npm run docs:protocol after changing a schema or procedure)', () => {
    expect(readFileSync(join(ROOT_DIR, 'docs', 'protocol.md'), 'utf8')).toBe(renderProtocol());
  });

  it('knows every procedure that answers a secret shown once, and each is kept off storage', () => {
    expect(secretAnswers()).toEqual({
      // stored as SHA-256 only; the call takes no idempotency key (a repeat is CONFLICT)
      'workspaces.create': ['adminKey'],
      // stored as SHA-256; an idempotent repeat's copy is sealed under the caller's key (secrets-at-rest.test.ts)
      'keys.create': ['key'],
      // stored as SHA-256 (secrets-at-rest.test.ts)
      'events.ticket': ['ticket'],
      // sealed under the data key; an idempotent repeat's copy under the caller's key (secrets-at-rest.test.ts)
      'webhooks.create': ['secret'],
    });
  });
});
