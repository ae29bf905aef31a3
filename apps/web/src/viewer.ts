/**
 * Who is looking at the page, for the facts that depend on it (may I decide this?):
 * the calling key's principal and role and the workspace's preventSelfApproval, all
 * from workspaces.get. Undefined while loading; the server checks every decision anyway.
 */
import { createContext } from 'preact';
import type { Policy, Role, WorkspaceDetail } from '@greenlight/core';

/** `groups`: approver groups the viewer is known to be in (a sign-in's claims), for group quorums in approve-all. */
export type Viewer = { principal: string; role: Role; policy: Pick<Policy, 'preventSelfApproval'>; groups?: string[] };

export const ViewerContext = createContext<Viewer | undefined>(undefined);

export const viewerOf = (w: WorkspaceDetail | undefined): Viewer | undefined =>
  w ? { principal: w.you.principal, role: w.you.role, policy: { preventSelfApproval: w.policy.preventSelfApproval } } : undefined;
