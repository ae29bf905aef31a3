/**
 * The wire protocol reference (docs/protocol.md), rendered from the code itself: the
 * procedures, their HTTP method and credential come from the tRPC router; every input,
 * output, live message and webhook body is core's zod schema as JSON Schema
 * (`z.toJSONSchema`); limits, header names and close codes are core's constants. The
 * prose around them is here. A test renders it again and compares it with the committed
 * file, so the reference cannot drift from the code.
 */
import * as core from '@greenlight/core';
import type { AnyProcedure } from '@trpc/server';
import { z } from 'zod';
import { appRouter } from '../src/router.ts';
import { DELIVERY_TIMEOUT_MS, WEBHOOK_USER_AGENT } from '../src/workspace/webhooks.ts';

export type ProcedureInfo = {
  path: string;
  kind: 'query' | 'mutation';
  credential: 'root' | 'workspace';
  input: z.ZodType | undefined;
  output: z.ZodType;
};

const isSchema = (v: unknown): v is z.ZodType => v instanceof z.ZodType;
const isProcedure = (v: unknown): v is AnyProcedure => typeof v === 'function' && '_def' in v;

/** Every procedure of the router, in router order. Throws when one is not documentable. */
export function procedures(): ProcedureInfo[] {
  const all: [string, unknown][] = Object.entries(appRouter._def.procedures);
  return all.map(([path, p]) => {
    if (!isProcedure(p)) throw new Error(`${path}: not a procedure`);
    const def = p._def;
    const [input] = def.inputs;
    const meta: unknown = def.meta;
    const credential = typeof meta === 'object' && meta !== null && 'credential' in meta ? meta.credential : undefined;
    if (def.type === 'subscription') throw new Error(`${path}: subscriptions are not part of the protocol`);
    if (!('output' in def) || !isSchema(def.output)) throw new Error(`${path}: every procedure declares its output with .output(zod)`);
    if (input !== undefined && !isSchema(input)) throw new Error(`${path}: inputs are zod schemas`);
    if (credential !== 'root' && credential !== 'workspace') throw new Error(`${path}: built on rootProcedure or workspaceProcedure`);
    return { path, kind: def.type, credential, input, output: def.output };
  });
}

/** The named schemas of core that get their own section (objects, unions and enums; not bare strings). */
function namedSchemas(): [string, z.ZodType][] {
  const all: [string, unknown][] = Object.entries(core);
  return all
    .filter((e): e is [string, z.ZodType] => isSchema(e[1]))
    .filter(([, s]) => s instanceof z.ZodObject || s instanceof z.ZodDiscriminatedUnion || s instanceof z.ZodUnion || s instanceof z.ZodEnum)
    .sort(([a], [b]) => a.localeCompare(b));
}

type JsonSchema = { [key: string]: unknown };

/**
 * JSON Schemas for one direction: core's named schemas plus each procedure's own, with
 * references (`#/$defs/<name>`) wherever a named schema is used. Inputs are rendered as
 * a client sends them (defaults optional), outputs as the server answers.
 */
function schemaSet(io: 'input' | 'output', own: [string, z.ZodType][]): { defs: Record<string, JsonSchema>; idOf: Map<z.ZodType, string> } {
  const registry = z.registry<{ id: string }>();
  const idOf = new Map<z.ZodType, string>();
  for (const [name, schema] of [...namedSchemas(), ...own]) {
    if (idOf.has(schema)) continue;
    registry.add(schema, { id: name });
    idOf.set(schema, name);
  }
  const out = z.toJSONSchema(registry, { io, unrepresentable: 'any', uri: (id) => `#/$defs/${id}` }) as { schemas: Record<string, JsonSchema> };
  const defs = Object.fromEntries(
    Object.entries(out.schemas).map(([id, s]) => {
      const { $schema: _s, $id: _i, ...rest } = s;
      return [id, rest];
    }),
  );
  return { defs, idOf };
}

/** The fields marked secret (core's SecretString) anywhere in a JSON Schema, as dotted paths. */
export function secretFields(schema: unknown, defs: Record<string, JsonSchema>, path = '', seen = new Set<string>()): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as JsonSchema;
  if (s['x-secret'] === true) return [path];
  if (typeof s.$ref === 'string') {
    const id = s.$ref.replace('#/$defs/', '');
    if (seen.has(id)) return [];
    return secretFields(defs[id], defs, path, new Set([...seen, id]));
  }
  const props = (s.properties ?? {}) as Record<string, unknown>;
  return [
    ...Object.entries(props).flatMap(([k, v]) => secretFields(v, defs, path ? `${path}.${k}` : k, seen)),
    ...(['anyOf', 'oneOf', 'allOf'] as const).flatMap((k) => (Array.isArray(s[k]) ? (s[k] as unknown[]).flatMap((v) => secretFields(v, defs, path, seen)) : [])),
  ];
}

/** Which procedures answer a secret, and in which field: each must keep it out of storage. */
export function secretAnswers(): Record<string, string[]> {
  const procs = procedures();
  const { defs, idOf } = schemaSet(
    'output',
    procs.map((p) => [`${p.path}.output`, p.output]),
  );
  return Object.fromEntries(procs.map((p) => [p.path, secretFields({ $ref: `#/$defs/${idOf.get(p.output)}` }, defs)] as const).filter(([, f]) => f.length > 0));
}

const anchor = (dir: 'input' | 'output', id: string): string => `${dir}-${id.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`;
const link = (dir: 'input' | 'output', id: string): string => `[\`${id}\`](#${anchor(dir, id)})`;
const json = (v: unknown): string => '```json\n' + JSON.stringify(v, null, 2) + '\n```';

function schemaSection(dir: 'input' | 'output', defs: Record<string, JsonSchema>, ids: string[]): string {
  // Only what is reachable from the protocol's own schemas, so the reference holds nothing unused.
  const reachable = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) return v.forEach(visit);
    const ref = (v as JsonSchema).$ref;
    if (typeof ref === 'string') {
      const id = ref.replace('#/$defs/', '');
      if (!reachable.has(id)) {
        reachable.add(id);
        visit(defs[id]);
      }
    }
    Object.values(v).forEach(visit);
  };
  for (const id of ids) {
    reachable.add(id);
    visit(defs[id]);
  }
  return [...reachable]
    .sort((a, b) => a.localeCompare(b))
    .map((id) => `<a id="${anchor(dir, id)}"></a>\n#### ${dir} \`${id}\`\n\n${json(defs[id])}`)
    .join('\n\n');
}

/** docs/protocol.md, as the code defines it today. */
export function renderProtocol(): string {
  const procs = procedures();
  const inputs = schemaSet('input', [...procs.filter((p) => p.input).map((p): [string, z.ZodType] => [`${p.path}.input`, p.input!]), ['LiveQuery', core.LiveQuery], ['LiveCall', core.LiveCall]]);
  const outputs = schemaSet('output', [
    ...procs.map((p): [string, z.ZodType] => [`${p.path}.output`, p.output]),
    ['LiveMessage', core.LiveMessage],
    ['LiveResult', core.LiveResult],
    ['WebhookJsonBody', core.WebhookJsonBody],
    ['WebhookSlackBody', core.WebhookSlackBody],
  ]);
  const inId = (s: z.ZodType) => inputs.idOf.get(s)!;
  const outId = (s: z.ZodType) => outputs.idOf.get(s)!;
  const secrets = secretAnswers();
  const { LIMITS: L, WEBHOOK_HEADERS: H } = core;

  const table = [
    '| procedure | HTTP | credential | input | output |',
    '|---|---|---|---|---|',
    ...procs.map((p) => {
      const secret = secrets[p.path] ? ` (secret, shown once: \`${secrets[p.path]!.join('`, `')}\`)` : '';
      return `| \`${p.path}\` | ${p.kind === 'query' ? 'GET' : 'POST'} | ${p.credential === 'root' ? 'root token' : 'workspace key'} | ${p.input ? link('input', inId(p.input)) : 'none'} | ${link('output', outId(p.output))}${secret} |`;
    }),
  ].join('\n');

  return `# Greenlight wire protocol

<!-- Generated by \`npm run docs:protocol\` (apps/api/protocol/render.ts) from the tRPC router and
     core's zod schemas. Do not edit: tests/protocol.test.ts fails when this file and the code differ. -->

For clients that do not use the SDK (\`@greenlight/sdk\`), which speaks exactly this. Times are
epoch milliseconds everywhere; ids are opaque strings.

## HTTP

The API is tRPC v11 over plain JSON (no transformer) at \`/trpc/<procedure>\`.

- **Credential.** \`Authorization: Bearer <key>\`, a workspace key \`gl_<workspaceId>_<secret>\`
  (its workspace comes from the key, never from the input), or the root token for
  \`workspaces.create\` and \`workspaces.list\`. Missing or wrong: 401 \`UNAUTHORIZED\`.
- **Queries** are \`GET /trpc/<procedure>?input=<URL-encoded JSON>\`; leave \`input\` out when
  the procedure takes none or all of it is optional. A POST to a query is 405.
- **Mutations** are \`POST /trpc/<procedure>\` with \`content-type: application/json\` and the
  input as the body. A mutation without input (\`events.ticket\`) still needs that header
  (the body may be empty or \`{}\`): without it the answer is 415 \`UNSUPPORTED_MEDIA_TYPE\`.
  A GET to a mutation is 405.
- **Answers.** Success is HTTP 200 with \`{"result":{"data":<output>}}\`. An error is
  \`{"error":{"message":"…","code":<JSON-RPC code>,"data":{"code":"<tRPC code>","httpStatus":<status>,"path":"<procedure>"}}}\`
  with that HTTP status; \`data\` may add \`issues\` (\`[{path, message, code?}]\`, for bad input),
  \`reason\` (a stable word, e.g. \`stale_params_hash\`, \`lost_lease\`, \`secret_shown_once\`)
  and \`retryAfterMs\`. \`TOO_MANY_REQUESTS\` (429) also sends \`Retry-After\` in seconds. A 500
  says only \`internal error\`.
- **Batches.** \`GET|POST /trpc/<a>,<b>?batch=1\` with \`input\` (or the body) as
  \`{"0":<input of a>,"1":<input of b>}\` answers an array in the same order; at most
  ${L.batchProcedures} procedures a batch, each counted by the rate limits.
- **Limits.** A request body is at most ${L.requestBytes / 1024 / 1024} MiB (413 \`PAYLOAD_TOO_LARGE\`),
  step params ${L.paramsBytes / 1024} KiB, ${L.stepsPerPlan} steps a plan, pages of at most ${L.pageSize} items.
- **Idempotency.** Every mutation whose input has \`idempotencyKey\` may be repeated: within
  ${core.IDEMPOTENCY_WINDOW_MS / 3_600_000} hours a repeat by the same principal with the same input answers the first answer
  and changes nothing; other input is 409 \`CONFLICT\`. An answer that holds a secret is
  replayed only to the same key (another key of that principal gets \`CONFLICT\`, reason
  \`secret_shown_once\`). After the window the key is new again.

## Procedures

${table}

## Live events (WebSocket)

1. \`POST /trpc/events.ticket\` (any role) answers ${link('output', outId(core.Ticket))}: a single-use ticket
   valid for ${core.TICKET_TTL_MS / 1000} s, and \`path\`, \`/ws?ticket=<ticket>\`. The key itself never goes in a URL.
2. Open a WebSocket to \`/ws\` with the query ${link('input', 'LiveQuery')}: \`ticket\`, \`after\` (the last
   event \`seq\` you have; events after it are sent first) and optionally \`taskId\` (only that
   task's events). A used, expired or unknown ticket is refused with HTTP 401; a bad query 400.
3. The server sends text frames, each one JSON ${link('output', 'LiveMessage')}: the catch-up \`event\`s,
   then \`ready\` (everything up to \`lastSeq\` was sent), then every new \`event\` as it commits.
   \`behind\` means more than ${core.LIVE_CATCH_UP_LIMIT} events were missed: page \`events.list\` from
   \`after\`, then reconnect. Send the text \`ping\` to get \`pong\`; a message that is not a call
   (below) is answered with an \`error\` message (\`BAD_MESSAGE\`) and ignored.
4. Calls ([docs/socket-rpc.md](socket-rpc.md)): send ${link('input', 'LiveCall')} (\`op\` one of
   ${Object.keys(core.SOCKET_OPS)
     .map((op) => `\`${op}\``)
     .join(', ')}; \`input\` as over HTTP); the answer is one ${link('output', 'LiveResult')} with the same \`id\`:
   the same value, or the same code, message, issues and reason as HTTP. \`events=none\` in the query opens a socket
   for calls only. At most ${core.SOCKET_IN_FLIGHT} calls in flight per socket, ${core.SOCKET_CALL_BYTES / 1024 / 1024} MiB per message.
5. Close codes: ${core.CLOSE_BEHIND} (too far behind, as above), ${core.CLOSE_REVOKED} (the key was revoked).
   Reconnect with a new ticket and \`after\` set to the last \`seq\` you saw.

## Webhooks

An admin registers a target with \`webhooks.create\` (its answer holds the signing secret, shown
once), lists them with \`webhooks.list\`, removes one with \`webhooks.delete\` (its pending
deliveries fail), and reads the delivery log with \`webhooks.deliveries\`. Targets must be public
http(s) URLs without credentials: loopback, private, link-local, CGNAT, unique-local and
other special addresses, and names such as \`localhost\` or \`*.internal\`, are refused
(\`BAD_REQUEST\`, reason \`refused_target\`) unless the deployment sets \`WEBHOOK_ALLOW_PRIVATE=true\`.

Each delivery is one request:

- \`POST <url>\` with \`content-type: application/json\` and \`user-agent: ${WEBHOOK_USER_AGENT}\`;
- \`${H.event}\`: one of ${core.WebhookEvent.options.map((e) => `\`${e}\``).join(', ')};
- \`${H.delivery}\`: the delivery id, the same on every retry of it (deduplicate by it);
- Standard Webhooks (https://www.standardwebhooks.com): \`webhook-id\` (the delivery id),
  \`webhook-timestamp\` (epoch **seconds**) and \`webhook-signature: v1,<base64 of
  HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>\`, the key being the base64 part of
  the secret after \`whsec_\`, decoded. Any Standard Webhooks library verifies it with the secret as
  shown (secrets made before this scheme are base64url: swap \`-\`/\`_\` for \`+\`/\`/\` first);
- Greenlight's own, kept for receivers written against it: \`${H.timestamp}\` (when this attempt
  was sent, in **epoch milliseconds**) and \`${H.signature}\`: \`v1=<hex of HMAC-SHA256(secret,
  "<timestamp>.<body>")>\`, keyed with the whole secret string (\`whsec_…\`) as UTF-8.
- The body is ${link('output', 'WebhookJsonBody')} (format \`json\`; \`data\` is the audit event) or
  ${link('output', 'WebhookSlackBody')} (format \`slack\`, for Slack-compatible incoming webhooks).

Answer 2xx within ${DELIVERY_TIMEOUT_MS / 1000} s. Anything else (a redirect included: they are never followed) is a
failed attempt, retried with exponential backoff up to ${core.WEBHOOK_MAX_ATTEMPTS} attempts, an hour apart at most.
A receiver should recompute the signature and compare in constant time, refuse a timestamp
more than a few minutes away from its clock, and ignore a delivery id it has seen. With
the \`standardwebhooks\` package that is \`new Webhook(secret).verify(rawBody, headers)\` (it throws
on a bad signature or an old timestamp); by hand, for Greenlight's own header:

\`\`\`js
import { createHmac, timingSafeEqual } from 'node:crypto';
function verify(secret, headers, rawBody) {
  const ts = headers['${H.timestamp}'];
  const want = Buffer.from('v1=' + createHmac('sha256', secret).update(ts + '.' + rawBody).digest('hex'));
  const got = Buffer.from(String(headers['${H.signature}']));
  return got.length === want.length && timingSafeEqual(got, want) && Math.abs(Date.now() - Number(ts)) < 5 * 60_000;
}
\`\`\`

## Schemas

JSON Schema (draft 2020-12), generated with \`z.toJSONSchema\`. A \`$ref\` of \`#/$defs/<name>\` means
the schema of that name in the same list. Fields marked \`"x-secret": true\` are secrets shown once.

### Inputs

${schemaSection('input', inputs.defs, [...procs.filter((p) => p.input).map((p) => inId(p.input!)), 'LiveQuery', 'LiveCall'])}

### Outputs

${schemaSection('output', outputs.defs, [...procs.map((p) => outId(p.output)), 'LiveMessage', 'LiveResult', 'WebhookJsonBody', 'WebhookSlackBody', outId(core.Ticket)])}
`;
}
