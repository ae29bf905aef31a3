/**
 * LangGraph's human-in-the-loop shapes, read and answered without I/O: an interrupt's
 * value as a list of action requests, and the resume value for them from Greenlight
 * verdicts. Two shapes are current in LangGraph JS:
 * - the HITL middleware's (langchain `humanInTheLoopMiddleware`): `{ actionRequests:
 *   [{ name, arguments }], reviewConfigs: [{ actionName, allowedDecisions }] }`, answered
 *   `{ decisions: [{ type: 'approve' } | { type: 'edit', editedAction } | { type: 'reject',
 *   message } | { type: 'respond', message }] }` in the requests' order;
 * - the prebuilt HumanInterrupt (`@langchain/langgraph/prebuilt`): `{ action_request:
 *   { action, args }, config: { allow_accept, allow_edit, allow_respond, allow_ignore } }`
 *   (or a list of them), answered HumanResponse `{ type: 'accept' | 'edit' | 'response' |
 *   'ignore', args }` (a list for a list).
 * A decision the request does not allow is never sent: it fails closed (a reject).
 */
import type { Verdict } from './steps.ts';

/** The decisions a reviewer's verdict may become, as the request allows them. */
export type Allowed = { approve: boolean; edit: boolean; reject: boolean; respond: boolean; ignore: boolean };

/** One action request of an interrupt: the tool (action) name, its arguments, what it allows. */
export type ActionRequest = { name: string; args: unknown; description?: string; allowed: Allowed };

/** An interrupt's value, read: its shape (to answer in kind) and its action requests in order. */
export type ReadInterrupt = { shape: 'hitl'; argsField: 'arguments' | 'args'; requests: ActionRequest[] } | { shape: 'human-interrupt'; list: boolean; requests: ActionRequest[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Read an interrupt's value; undefined when it is neither shape (the bridge cannot answer it). */
export function readInterrupt(value: unknown): ReadInterrupt | undefined {
  if (isObject(value) && Array.isArray(value.actionRequests)) {
    const configs = Array.isArray(value.reviewConfigs) ? value.reviewConfigs.filter(isObject) : [];
    let argsField: 'arguments' | 'args' = 'arguments';
    const requests: ActionRequest[] = [];
    for (const r of value.actionRequests) {
      if (!isObject(r) || typeof r.name !== 'string') return undefined;
      if (!('arguments' in r) && 'args' in r) argsField = 'args';
      const config = configs.find((c) => c.actionName === r.name);
      // The middleware's default when a tool has no review config: approve, edit, reject.
      const decisions = Array.isArray(config?.allowedDecisions) ? config.allowedDecisions : ['approve', 'edit', 'reject'];
      requests.push({
        name: r.name,
        args: 'arguments' in r ? r.arguments : r.args,
        ...(typeof r.description === 'string' ? { description: r.description } : {}),
        allowed: { approve: decisions.includes('approve'), edit: decisions.includes('edit'), reject: decisions.includes('reject'), respond: decisions.includes('respond'), ignore: false },
      });
    }
    return { shape: 'hitl', argsField, requests };
  }
  const list = Array.isArray(value);
  const items = list ? value : [value];
  const requests: ActionRequest[] = [];
  for (const item of items) {
    if (!isObject(item) || !isObject(item.action_request) || typeof item.action_request.action !== 'string') return undefined;
    const c = isObject(item.config) ? item.config : {};
    requests.push({
      name: item.action_request.action,
      args: item.action_request.args,
      ...(typeof item.description === 'string' ? { description: item.description } : {}),
      allowed: { approve: c.allow_accept === true, edit: c.allow_edit === true, reject: false, respond: c.allow_respond === true, ignore: c.allow_ignore === true },
    });
  }
  return requests.length > 0 ? { shape: 'human-interrupt', list, requests } : undefined;
}

/** What one action request is answered with, before it is put in the request's shape. */
export type Answer = { type: 'approve' } | { type: 'edit'; args: unknown } | { type: 'reject'; message: string } | { type: 'respond'; message: string };

/**
 * The answer a verdict allows for one request. Approved becomes approve (or edit, after
 * a reviewer's modify), a clarify answer respond, anything else reject with the reason.
 * A decision the request does not allow (an edit where edits are not allowed, say)
 * becomes a reject that says so. `pending` is not answerable: the caller waits first.
 */
export function answerFor(verdict: Exclude<Verdict, { kind: 'pending' }>, request: ActionRequest): Answer {
  const refuse = (message: string): Answer => ({ type: 'reject', message: `Greenlight: ${message}; the call was not run` });
  switch (verdict.kind) {
    case 'approved':
      if (verdict.modified) return request.allowed.edit ? { type: 'edit', args: verdict.input } : refuse(`a reviewer changed the input, but ${request.name} does not allow edits`);
      return request.allowed.approve ? { type: 'approve' } : refuse(`${request.name} does not allow an approval`);
    case 'answered':
      return request.allowed.respond ? { type: 'respond', message: verdict.answer } : refuse(`answered instead of run: ${verdict.answer}`);
    case 'denied':
      return refuse(verdict.reason);
  }
}

/**
 * The resume value for one interrupt: the answers, in its requests' order, in its shape.
 * HumanInterrupt has no reject: a refusal is a `response` carrying the reason when the
 * request allows responses, else `ignore`; with neither, nothing safe can be sent and
 * this throws (the caller refuses the resume).
 */
export function resumeValue(read: ReadInterrupt, answers: Answer[]): unknown {
  if (answers.length !== read.requests.length) throw new RangeError(`${answers.length} answers for ${read.requests.length} action requests`);
  if (read.shape === 'hitl') {
    const decisions = answers.map((a, i) => {
      const name = read.requests[i]!.name;
      switch (a.type) {
        case 'approve':
          return { type: 'approve' };
        case 'edit':
          return { type: 'edit', editedAction: { name, [read.argsField]: a.args } };
        case 'reject':
        case 'respond':
          return { type: a.type, message: a.message };
      }
    });
    return { decisions };
  }
  const responses = answers.map((a, i) => {
    const request = read.requests[i]!;
    switch (a.type) {
      case 'approve':
        return { type: 'accept', args: null };
      case 'edit':
        return { type: 'edit', args: { action: request.name, args: a.args } };
      case 'respond':
        return { type: 'response', args: a.message };
      case 'reject':
        if (request.allowed.respond) return { type: 'response', args: a.message };
        if (request.allowed.ignore) return { type: 'ignore', args: null };
        throw new RangeError(`${request.name} allows neither a response nor ignore: a refusal cannot be sent`);
    }
  });
  return read.list ? responses : responses[0];
}
