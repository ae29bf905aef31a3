/**
 * The workspace's procedures as data: for each RPC method, the capability it needs, its
 * idempotency name when it is a mutation, the async work done before the transaction
 * (hashes, minted secrets), and the operation it runs inside it (ops/*). The object's
 * methods are one line each over this table (object.ts); the pipeline runs them.
 */
import {
  type GetTaskInput,
  type ListStepsInput,
  ok,
  paramsHash,
  newWebhookSecret,
  type AppendInput,
  type AuditExportInput,
  type CancelInput,
  type Capability,
  type ClaimInput,
  type CloseInput,
  type CompleteInput,
  type ConfirmProposalInput,
  type CreateKeyInput,
  type CreateWebhookInput,
  type DecideInput,
  type DecideManyInput,
  type EvaluateInput,
  type FailInput,
  type HeartbeatInput,
  type ListApprovalsInput,
  type ListEventsInput,
  type ListGrantsInput,
  type ListHistoryInput,
  type ListTasksInput,
  type LinkIdentityInput,
  type DeleteGroupInput,
  type ListDelegationsInput,
  type RevokeDelegationInput,
  type SetDelegationInput,
  type SetGroupInput,
  type ListLinksInput,
  type UnlinkIdentityInput,
  type PlanInput,
  type Policy,
  type RateLimits,
  type Result,
  type ReviseInput,
  type RevokeGrantInput,
  type SetModeInput,
  type SetOidcInput,
  type SimulateInput,
  type SlackLinkInput,
  type SlackSettingsValue,
  sha256Hex,
} from '@greenlight/core';
import { listHistory } from './history.ts';
import { mintKey } from './keys.ts';
import { issueTicket, mintTicket } from './live.ts';
import { getOidc, prepareOidc, setOidc } from './oidc.ts';
import { sealAtRest } from './seal.ts';
import type { Tx } from './tx.ts';
import { webhookSecretAad } from './webhooks.ts';
import * as admin from './ops/admin.ts';
import * as approvals from './ops/approvals.ts';
import * as audit from './ops/audit.ts';
import * as grants from './ops/grants.ts';
import * as sessions from './ops/sessions.ts';
import * as steps from './ops/steps.ts';
import * as tasks from './ops/tasks.ts';
import * as webhooks from './ops/webhooks.ts';
import { SLACK_AAD, setSlackConfig, slackSettings } from './slack/config.ts';
import { redeemLinkToken } from './slack/users.ts';
import * as people from './people.ts';
import * as groups from './groups.ts';
import type { Cred } from '../contract/rpc.ts';

type Idem = { idempotencyKey?: string | undefined };
/** What `prepare` may use: the caller's workspace (never its secret: a socket call has none) and the deployment's bindings (the data key). */
export type PrepareEnv = { cred: Pick<Cred, 'workspaceId'>; env: Env };

export type Procedure<I, P, T> = {
  capability: Capability;
  /** The idempotency name of a mutation (the procedure's tRPC path); a read has none. */
  op?: string;
  /** Async work before the transaction, which cannot await: hashing params, minting secrets. */
  prepare?: (input: I, e: PrepareEnv) => Promise<P>;
  /** A secret the answer carries, shown once: never stored readable in the idempotency record. */
  secret?: (prepared: P) => { field: string; value: string; hidden?: string[] };
  apply: (tx: Tx, input: I, prepared: P) => Result<T>;
};

const proc = <I, T, P = undefined>(p: Procedure<I, P, T>): Procedure<I, P, T> => p;
const hashSteps = (i: { steps: { params: unknown }[] }) => Promise.all(i.steps.map((s) => paramsHash(s.params)));
const read = 'read' as const;

export const PROCEDURES = {
  getWorkspace: proc({ capability: read, apply: (tx, _: undefined) => ok(admin.workspaceDetail(tx)) }),
  listKeys: proc({ capability: 'admin', apply: (tx, _: undefined) => ok(admin.keys(tx)) }),
  getPolicy: proc({ capability: read, apply: (tx, _: undefined) => ok(admin.policy(tx)) }),
  evaluatePolicy: proc({ capability: read, apply: (tx, i: EvaluateInput) => ok(admin.evaluate(tx, i)) }),
  simulatePolicy: proc({ capability: 'admin', apply: (tx, i: SimulateInput) => ok(admin.simulate(tx, i)) }),
  getTask: proc({ capability: read, apply: (tx, i: GetTaskInput) => tasks.get(tx, i) }),
  listSteps: proc({ capability: read, apply: (tx, i: ListStepsInput) => tasks.listSteps(tx, i) }),
  listTasks: proc({ capability: read, apply: (tx, i: ListTasksInput) => ok(tasks.list(tx, i)) }),
  listApprovals: proc({ capability: read, apply: (tx, i: ListApprovalsInput) => ok(approvals.list(tx, i)) }),
  getApproval: proc({ capability: read, apply: (tx, approvalId: string) => approvals.get(tx, approvalId) }),
  listEvents: proc({ capability: read, apply: (tx, i: ListEventsInput) => ok(admin.events(tx, i)) }),
  auditExport: proc({ capability: 'admin', apply: (tx, i: AuditExportInput) => audit.exportPage(tx, i) }),
  listHistory: proc({ capability: read, apply: (tx, i: ListHistoryInput) => ok(listHistory(tx.sql, i)) }),
  getStep: proc({ capability: read, apply: (tx, stepId: string) => steps.get(tx, stepId) }),
  getStepByKey: proc({ capability: read, apply: (tx, i: { taskId: string; key: string }) => sessions.stepByKey(tx, i.taskId, i.key) }),
  /** A single-use ticket for the live socket: the key never goes in a URL, and only the ticket's hash is stored. */
  ticket: proc({ capability: read, prepare: () => mintTicket(), apply: (tx, _: undefined, minted) => ok(issueTicket(tx.sql, tx.meta.id, tx.key, minted, tx.now)) }),

  createKey: proc({
    capability: 'admin',
    op: 'keys.create',
    prepare: (_: CreateKeyInput & Idem, { cred }) => mintKey(cred.workspaceId),
    secret: (minted) => ({ field: 'key', value: minted.key, hidden: [minted.secret] }),
    apply: (tx, i, minted) => admin.createKey(tx, i, minted),
  }),
  revokeKey: proc({ capability: 'admin', op: 'keys.revoke', apply: (tx, i: { id: string } & Idem) => admin.revoke(tx, i.id) }),
  setLimits: proc({ capability: 'admin', op: 'workspaces.setLimits', apply: (tx, i: { limits: RateLimits } & Idem) => ok(admin.setLimits(tx, i.limits)) }),
  setPolicy: proc({ capability: 'admin', op: 'policy.set', apply: (tx, i: { policy: Policy } & Idem) => ok(admin.setPolicy(tx, i.policy)) }),

  plan: proc({ capability: 'plan', op: 'tasks.plan', prepare: (i: PlanInput) => hashSteps(i), apply: (tx, i, hashes) => sessions.plan(tx, i, hashes) }),
  append: proc({ capability: 'plan', op: 'tasks.append', prepare: (i: AppendInput) => hashSteps(i), apply: (tx, i, hashes) => sessions.append(tx, i, hashes) }),
  close: proc({ capability: 'cancel_own', op: 'tasks.close', apply: (tx, i: CloseInput) => sessions.close(tx, i) }),
  revise: proc({ capability: 'plan', op: 'tasks.revise', prepare: (i: ReviseInput) => paramsHash(i.params), apply: (tx, i, hash) => tasks.reviseStep(tx, i, hash) }),
  setMode: proc({ capability: 'set_mode', op: 'tasks.setMode', apply: (tx, i: SetModeInput) => tasks.setTaskMode(tx, i) }),
  cancel: proc({ capability: 'cancel_own', op: 'tasks.cancel', apply: (tx, i: CancelInput) => tasks.cancel(tx, i) }),

  listGrants: proc({ capability: read, apply: (tx, i: ListGrantsInput) => ok(grants.list(tx, i)) }),
  revokeGrant: proc({ capability: 'decide', op: 'grants.revoke', apply: (tx, i: RevokeGrantInput) => grants.revoke(tx, i) }),
  listProposals: proc({ capability: read, apply: (tx, i: { all: boolean }) => ok(grants.proposals(tx, i)) }),
  confirmProposal: proc({ capability: 'admin', op: 'grants.confirm', apply: (tx, i: ConfirmProposalInput) => grants.confirm(tx, i) }),

  decide: proc({
    capability: 'decide',
    op: 'approvals.decide',
    prepare: async (i: DecideInput) => (i.params ? paramsHash(i.params) : undefined),
    apply: (tx, i, hash) => approvals.decide(tx, i, hash),
  }),
  decideMany: proc({
    capability: 'decide',
    op: 'approvals.decideMany',
    prepare: (i: DecideManyInput) => Promise.all(i.items.map((x) => (x.params ? paramsHash(x.params) : undefined))),
    apply: (tx, i, hashes) => approvals.decideMany(tx, i, hashes),
  }),

  /** The signing secret is made here, stored only sealed under the data key, and shown once. */
  createWebhook: proc({
    capability: 'admin',
    op: 'webhooks.create',
    prepare: async (_: CreateWebhookInput, { env }) => {
      const id = crypto.randomUUID();
      const secret = newWebhookSecret();
      return { id, secret, sealedSecret: await sealAtRest(env, secret, webhookSecretAad(id)) };
    },
    secret: (m) => ({ field: 'secret', value: m.secret, hidden: [m.secret.slice('whsec_'.length)] }),
    apply: (tx, i, minted) => webhooks.create(tx, i, minted),
  }),
  listWebhooks: proc({ capability: 'admin', apply: (tx, _: undefined) => ok(webhooks.list(tx)) }),
  deleteWebhook: proc({ capability: 'admin', op: 'webhooks.delete', apply: (tx, i: { id: string } & Idem) => webhooks.remove(tx, i.id) }),
  listDeliveries: proc({ capability: 'admin', apply: (tx, i: { webhookId?: string | undefined; limit: number }) => ok(webhooks.deliveries(tx, i)) }),

  /** Slack (docs/slack.md): the signing secret and bot token are sealed here, before the transaction, and never shown again. */
  setSlack: proc({
    capability: 'admin',
    op: 'slack.set',
    prepare: async (i: SlackSettingsValue, { env }) => ({
      signingSecret: await sealAtRest(env, i.signingSecret, SLACK_AAD.signingSecret),
      botToken: await sealAtRest(env, i.botToken, SLACK_AAD.botToken),
    }),
    apply: (tx, i, sealed) => setSlackConfig(tx, i, sealed),
  }),
  getSlack: proc({ capability: 'admin', apply: (tx, _: undefined) => ok(slackSettings(tx.sql)) }),
  /** A reviewer redeems the single-use token Slack showed them: that Slack user now decides as them. */
  linkSlack: proc({ capability: 'decide', op: 'slack.link', prepare: (i: SlackLinkInput) => sha256Hex(i.token), apply: (tx, _i, hash) => redeemLinkToken(tx, hash) }),
  /** People (docs/people.md): an admin links identities to the person they count for. */
  linkIdentity: proc({
    capability: 'admin',
    op: 'people.link',
    apply: (tx, i: LinkIdentityInput) => people.linkIdentity(tx, { principal: i.principal, person: i.person, source: 'admin' }),
  }),
  unlinkIdentity: proc({ capability: 'admin', op: 'people.unlink', apply: (tx, i: UnlinkIdentityInput) => people.unlinkIdentity(tx, i.principal) }),
  listLinks: proc({ capability: 'admin', apply: (tx, i: ListLinksInput) => ok(people.listLinks(tx, i.person)) }),
  /** Sign-in through OIDC (docs/sign-in.md): the client secret is sealed under the data key before the transaction, never shown again. */
  setOidc: proc({
    capability: 'admin',
    op: 'oidc.set',
    prepare: (i: SetOidcInput, { cred, env }) => prepareOidc(i, cred.workspaceId, env),
    apply: (tx, i, prepared) => setOidc(tx, i, prepared),
  }),
  getOidc: proc({ capability: 'admin', apply: (tx, _: undefined) => getOidc(tx) }),

  /** Approver groups (docs/people.md): admin only. */
  setGroup: proc({ capability: 'admin', op: 'groups.set', apply: (tx, i: SetGroupInput) => ok(groups.setGroup(tx, i.name, i.members)) }),
  listGroups: proc({ capability: 'admin', apply: (tx, _: undefined) => ok(groups.listGroups(tx)) }),
  deleteGroup: proc({ capability: 'admin', op: 'groups.delete', apply: (tx, i: DeleteGroupInput) => groups.deleteGroup(tx, i.name) }),
  /** Delegations: a reviewer for themselves, an admin for anyone (groups.ts). */
  setDelegation: proc({
    capability: 'decide',
    op: 'delegations.set',
    prepare: async () => crypto.randomUUID(),
    apply: (tx, i: SetDelegationInput, id) => groups.setDelegation(tx, i, id),
  }),
  listDelegations: proc({ capability: read, apply: (tx, i: ListDelegationsInput) => ok(groups.listDelegations(tx, i.all)) }),
  revokeDelegation: proc({ capability: 'decide', op: 'delegations.revoke', apply: (tx, i: RevokeDelegationInput) => groups.revokeDelegation(tx, i.id) }),

  claim: proc({ capability: 'execute', apply: (tx, i: ClaimInput) => ok(steps.claim(tx, i)) }),
  heartbeat: proc({ capability: 'execute', apply: (tx, i: HeartbeatInput) => steps.heartbeat(tx, i) }),
  complete: proc({ capability: 'execute', op: 'steps.complete', apply: (tx, i: CompleteInput) => steps.complete(tx, i) }),
  fail: proc({ capability: 'execute', op: 'steps.fail', apply: (tx, i: FailInput) => steps.failed(tx, i) }),
};
