/**
 * The object's one way in for a procedure call: authenticate the key, check its role,
 * take a rate-limit token, honour the idempotency key, run the procedure in one
 * synchronous transaction, broadcast its events, and aim the alarm. The async work
 * (hashing, sealing) happens before the transaction; the transaction never awaits, so
 * two calls can never interleave inside it. Rules (roles, limits, idempotency verdicts)
 * are core's; this only sequences them.
 */
import { canonicalJson, can, fail, forbiddenMessage, ok, replayedAnswer, sha256Hex, type AnswerSecret, type Capability, type CoreError, type Result } from '@greenlight/core';
import { monotonicFactory } from 'ulid';
import { findKey, liveKeyRecordById, SecretHashes } from './keys.ts';
import { Limiter } from './limiter.ts';
import { broadcast } from './live.ts';
import { readMeta, type WorkspaceMeta } from './meta.ts';
import { openForCaller, sealForCaller } from './seal.ts';
import { SYSTEM_ACTOR, Tx } from './tx.ts';
import { nextWake } from './wake.ts';
import type { Cred } from '../contract/rpc.ts';
import { keyCaller, type Caller } from './caller.ts';
import { findPerson } from './people.ts';
import { findSignIn, signInCaller } from './signins.ts';

/**
 * A mutation as the pipeline sees it: its name and input (for the idempotency key), and,
 * when its answer carries a secret, which top-level field holds it and its value (plus any
 * other string that must not be stored): see core's idempotency.remember.
 */
export type Mutation = {
  op: string;
  input: unknown;
  secret?: { field: string; value: string; hidden?: string[] };
};

/** What the transaction found for a repeat whose answer held a secret: opened after it, with the caller's credential. */
type SealedReplay = { sealedReplay: { response: string; field: string; box: string } };

/** Thrown inside the transaction to roll it back and answer with the error. */
class Rollback {
  readonly error: CoreError;
  constructor(error: CoreError) {
    this.error = error;
  }
}

/**
 * A live socket's caller: the key its single-use ticket was issued to, authenticated when
 * the socket was accepted (live.ts). Each call still finds the key live (a revoked key's
 * socket calls fail UNAUTHORIZED) and takes every other step of `call`.
 */
export type BoundCred = { keyId: string };

export const SYSTEM_KEY: Caller = keyCaller({ id: 'system', principal: SYSTEM_ACTOR, role: 'admin', createdAt: 0 });

/** The idempotency key of a mutation's input, if it has one. */
const idempotencyKeyOf = (input: unknown): string | undefined =>
  typeof input === 'object' && input !== null && 'idempotencyKey' in input && typeof input.idempotencyKey === 'string' ? input.idempotencyKey : undefined;

export class Pipeline {
  readonly sql: SqlStorage;
  readonly newId = monotonicFactory();
  private alarmAt: number | null | undefined;
  private readonly limiter = new Limiter();
  private readonly secretHashes = new SecretHashes();
  /**
   * The workspace's settings, read once and then kept in step by the transactions that
   * change them (Tx.run, core's workspace aggregate). Dropped whenever a transaction
   * rolls back, since it may have changed the copy before failing.
   */
  private meta: WorkspaceMeta | undefined;

  readonly ctx: DurableObjectState;
  readonly env: Env;
  /** The object's clock (epoch ms). */
  readonly now: () => number;

  constructor(ctx: DurableObjectState, env: Env, now: () => number) {
    this.ctx = ctx;
    this.env = env;
    this.now = now;
    this.sql = ctx.storage.sql;
  }

  /** WEBHOOK_ALLOW_PRIVATE: local development lets webhooks reach private and local targets; a deployment refuses them. */
  allowPrivateTargets(): boolean {
    // String(): the generated Env types the var as its wrangler.toml default, the literal "false".
    return String(this.env.WEBHOOK_ALLOW_PRIVATE) === 'true';
  }

  /** A unit of work for `key` at this moment. */
  tx(meta: WorkspaceMeta, key: Caller, now = this.now()): Tx {
    return new Tx(this.sql, meta, key, now, this.newId, this.allowPrivateTargets());
  }

  currentMeta(): WorkspaceMeta | undefined {
    return (this.meta ??= readMeta(this.sql));
  }

  /** Run a synchronous transaction; if it throws (a rollback included), forget the settings copy it may have changed. */
  transact<R>(run: () => R): R {
    try {
      return this.ctx.storage.transactionSync(run);
    } catch (e) {
      this.meta = undefined;
      throw e;
    }
  }

  /**
   * Authenticate the credential, then run as its caller (callAs). A credential is a
   * workspace key (`gl_<workspace>_<secret>`) or a sign-in session's secret, each looked
   * up by the SHA-256 of its secret.
   * An unknown, revoked or other workspace's credential is UNAUTHORIZED.
   */
  async call<T>(cred: Cred, capability: Capability, mutation: Mutation | undefined, apply: (tx: Tx) => Result<T>): Promise<Result<T>> {
    const secretHash = await this.secretHashes.of(cred.secret);
    return this.run(cred.workspaceId, cred.secret, (sql) => this.findCaller(sql, cred.kind, secretHash), capability, mutation, apply);
  }

  /**
   * `call` for a live socket's already-authenticated key (socket-calls.ts). A socket holds
   * no secret, so an answer carrying one (shown once, sealed under the caller's secret for
   * replays) is refused here: those procedures are HTTP only.
   */
  async callBound<T>(bound: BoundCred, capability: Capability, mutation: Mutation | undefined, apply: (tx: Tx) => Result<T>): Promise<Result<T>> {
    if (mutation?.secret) return fail('BAD_REQUEST', `${mutation.op} answers with a secret, shown once: call it over HTTP`, { reason: 'http_only' });
    return this.run(
      undefined,
      undefined,
      (sql) => {
        const key = liveKeyRecordById(sql, bound.keyId);
        return key ? keyCaller(key, findPerson(sql, key.principal)) : undefined;
      },
      capability,
      mutation,
      apply,
    );
  }

  /**
   * The caller a credential's secret hash stands for: a live key, with the person it is
   * linked to; or a live sign-in session (signins.ts: identity source `oidc`, its
   * strength and groups), marked used now.
   */
  findCaller(sql: SqlStorage, kind: Cred['kind'], secretHash: string): Caller | undefined {
    if (kind === 'session') {
      const s = findSignIn(sql, secretHash, this.now());
      return s ? signInCaller(s, findPerson(sql, s.principal)) : undefined;
    }
    const key = findKey(sql, secretHash);
    if (!key) return undefined;
    return keyCaller(key, findPerson(sql, key.principal));
  }

  /**
   * Run as a caller that a channel verified by its own means (a Slack signature and a
   * linked user, a one-click link, a passkey assertion): the same role check, rate limit,
   * idempotency, transaction and broadcast as `call`. `resolve` is called inside the
   * transaction, so a caller revoked a moment ago is refused (return undefined:
   * UNAUTHORIZED). `sealSecret` seals remembered secrets (idempotency answers holding one)
   * and is the caller's own credential; channels without one pass a per-caller constant
   * and must not make calls whose answers hold secrets.
   */
  async callAs<T>(
    workspaceId: string,
    sealSecret: string,
    resolve: (sql: SqlStorage) => Caller | undefined,
    capability: Capability,
    mutation: Mutation | undefined,
    apply: (tx: Tx) => Result<T>,
  ): Promise<Result<T>> {
    return this.run(workspaceId, sealSecret, resolve, capability, mutation, apply);
  }

  /**
   * Authorize, rate-limit, honour the idempotency key, run `apply` in one transaction.
   * An error from `apply` rolls back everything, deadlines included.
   */
  private async run<T>(
    workspaceId: string | undefined,
    sealSecret: string | undefined,
    resolve: (sql: SqlStorage) => Caller | undefined,
    capability: Capability,
    mutation: Mutation | undefined,
    apply: (tx: Tx) => Result<T>,
  ): Promise<Result<T>> {
    const idem = mutation ? idempotencyKeyOf(mutation.input) : undefined;
    const requestHash = idem && mutation ? await sha256Hex(canonicalJson({ op: mutation.op, input: mutation.input })) : undefined;
    // A secret in the answer is remembered only sealed under the caller's own credential,
    // bound to this key and request: sealed now, since the transaction cannot await.
    const aad = idem && requestHash ? `idempotency:${idem}:${requestHash}` : undefined;
    const answerSecret: AnswerSecret | undefined =
      aad && mutation?.secret && sealSecret !== undefined ? { ...mutation.secret, sealed: await sealForCaller(sealSecret, mutation.secret.value, aad) } : undefined;
    let events: Tx['events'] = [];
    let dirty = false;
    try {
      const outcome = this.transact((): Result<T> | SealedReplay => {
        const meta = this.currentMeta();
        // The object checks that the credential names it: an object does not know the name it was created by.
        // (A socket's bound key was checked against this object when the socket was accepted.)
        if (!meta || (workspaceId !== undefined && meta.id !== workspaceId)) return fail('UNAUTHORIZED', 'unknown or revoked key');
        const key = resolve(this.sql);
        if (!key) return fail('UNAUTHORIZED', 'unknown or revoked key');
        if (!can(key.role, capability)) return fail('FORBIDDEN', forbiddenMessage(key.role, capability));
        const now = this.now();
        const limited = this.limiter.take(key, meta, now);
        if (limited) return limited;
        const tx = this.tx(meta, key, now);
        // A key records when it was last used; other credentials keep their own records.
        if (key.secretHash !== undefined) tx.run({ type: 'key.use', id: key.id }, { keys: { [key.id]: { ...key, secretHash: key.secretHash } } });
        if (idem && requestHash) {
          const prior = tx.run({ type: 'idempotency.check', principal: key.principal, key: idem, requestHash });
          if (!prior.ok) return prior;
          const v = prior.value.verdict;
          if (v?.kind === 'replay') return v.sealed ? { sealedReplay: { response: v.response, ...v.sealed } } : ok(replayedAnswer<T>(v.response));
        }
        const r = apply(tx);
        if (!r.ok) throw new Rollback(r.error);
        if (idem && requestHash) {
          tx.run({ type: 'idempotency.remember', principal: key.principal, key: idem, requestHash, value: r.value, ...(answerSecret ? { secret: answerSecret } : {}) });
          // The record's expiry is a deadline too: the alarm prunes it.
          tx.dirty = true;
        }
        events = tx.events;
        dirty = tx.dirty;
        return r;
      });
      // Broadcast before any await, so sockets see commits in commit order.
      broadcast(this.ctx.getWebSockets(), events);
      if (dirty) await this.aimAlarm();
      if (!('sealedReplay' in outcome)) return outcome;
      const { response, field, box } = outcome.sealedReplay;
      const opened = sealSecret === undefined ? undefined : await openForCaller(sealSecret, box, aad!);
      if (opened === undefined) {
        return fail('CONFLICT', `idempotency key ${idem} was first used by another key of this principal: its answer held a secret, shown only to that key`, { reason: 'secret_shown_once' });
      }
      return ok(replayedAnswer<T>(response, { field, value: opened }));
    } catch (e) {
      if (e instanceof Rollback) return { ok: false, error: e.error };
      throw e;
    }
  }

  /** Forget the aimed time: the alarm that fired used it up. */
  alarmFired(): void {
    this.alarmAt = undefined;
  }

  /** Keep one alarm at the earliest deadline: a lease, an approval, a webhook delivery or Slack call due, an idempotency record's expiry, or an idle session's close. */
  async aimAlarm(): Promise<void> {
    const next = nextWake(this.sql, this.meta?.policy) ?? null;
    if (next === this.alarmAt) return;
    this.alarmAt = next;
    if (next === null) await this.ctx.storage.deleteAlarm();
    // An alarm set for "now" from inside alarm() can be dropped: always aim slightly ahead.
    else await this.ctx.storage.setAlarm(Math.max(next, this.now() + 5));
  }
}
