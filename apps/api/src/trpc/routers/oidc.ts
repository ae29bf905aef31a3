/** oidc.*: admin only. Sign-in per workspace through an OpenID provider (docs/sign-in.md). */
import { OidcView, SetOidcInput } from '@greenlight/core';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const oidcRouter = router({
  /** Set the provider (issuer, client, role map, allowed domains); the client secret is sealed at rest and never shown again. */
  set: workspaceProcedure
    .input(SetOidcInput)
    .output(OidcView)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.setOidc(ctx.cred, input))),
  /** The provider's settings, without the client secret; NOT_FOUND when sign-in is not set up. */
  get: workspaceProcedure.output(OidcView).query(({ ctx }) => unwrap(ctx.ws.getOidc(ctx.cred))),
});
