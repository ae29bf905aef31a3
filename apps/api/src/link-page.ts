/**
 * One-click links over HTTP (issue 15, item 4; docs/step-up.md). `GET /l/<token>` only
 * shows what the link would do, with a button: mail and chat link scanners fetch every
 * URL they see, and a GET must never decide. `POST /l/<token>` (the button) decides once,
 * in the workspace's object (workspace/links.ts). Small static HTML, no script, no
 * outside resources; refusals say why and point to the page.
 */
import { parseLink, type CoreError, type Result } from '@greenlight/core';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escape(title)} · Greenlight</title>` +
  `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}button{font:inherit;padding:.5rem 1.25rem}</style></head><body>${body}</body></html>`;

const STATUS: Record<string, ContentfulStatusCode> = { UNAUTHORIZED: 404, FORBIDDEN: 403, CONFLICT: 409, TOO_MANY_REQUESTS: 429, NOT_FOUND: 404 };

/** A refusal as a page: what happened, and where to decide instead. */
function refusal(e: CoreError): { html: string; status: ContentfulStatusCode } {
  const html = page(
    'Link not usable',
    `<h1>This link cannot decide</h1><p>${escape(e.message)}</p><p data-reason="${escape(e.reason ?? e.code)}"><a href="/">Open Greenlight</a> to review it there.</p>`,
  );
  return { html, status: STATUS[e.code] ?? 400 };
}

/** What the routes need from a workspace's object. */
export type LinkObject = {
  previewLink(workspaceId: string, token: string): Promise<Result<{ decision: 'approve' | 'reject'; taskTitle: string; stepTitle: string; stepKey: string; expiresAt: number }>>;
  useLink(workspaceId: string, token: string): Promise<Result<{ stepStatus: string; taskId: string }>>;
};

/** The routes, given how to reach a workspace's object. */
export function linkRoutes(objectOf: (env: Env, workspaceId: string) => LinkObject) {
  const app = new Hono<{ Bindings: Env }>();
  app.get('/l/:token', async (c) => {
    const parsed = parseLink(c.req.param('token'));
    if (!parsed) return c.html(refusal({ code: 'UNAUTHORIZED', message: 'this is not a Greenlight link', reason: 'link_unknown' }).html, 404);
    const r = await objectOf(c.env, parsed.workspaceId).previewLink(parsed.workspaceId, parsed.token);
    if (!r.ok) {
      const { html, status } = refusal(r.error);
      return c.html(html, status);
    }
    const verb = r.value.decision === 'approve' ? 'Approve' : 'Reject';
    const body =
      `<h1>${verb} “${escape(r.value.stepTitle)}”?</h1><p>Step <code>${escape(r.value.stepKey)}</code> of “${escape(r.value.taskTitle)}”. This link works once, until ${escape(new Date(r.value.expiresAt).toISOString())}.</p>` +
      `<form method="post"><button type="submit">${verb}</button></form>`;
    return c.html(page(`${verb}?`, body));
  });
  app.post('/l/:token', async (c) => {
    const parsed = parseLink(c.req.param('token'));
    if (!parsed) return c.html(refusal({ code: 'UNAUTHORIZED', message: 'this is not a Greenlight link', reason: 'link_unknown' }).html, 404);
    const r = await objectOf(c.env, parsed.workspaceId).useLink(parsed.workspaceId, parsed.token);
    if (!r.ok) {
      const { html, status } = refusal(r.error);
      return c.html(html, status);
    }
    return c.html(page('Decided', `<h1>Done: the step is ${escape(r.value.stepStatus.replaceAll('_', ' '))}</h1><p>This link is used up.</p>`));
  });
  return app;
}
