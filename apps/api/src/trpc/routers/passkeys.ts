/** passkeys.*: the caller's WebAuthn credentials for step-up decisions (docs/step-up.md). */
import { IdempotencyKey, Passkey, PasskeyOptions, RegisterPasskeyInput } from '@greenlight/core';
import { z } from 'zod';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const passkeysRouter = router({
  /** Creation options for a new passkey of the caller's principal, with a single-use challenge (five minutes). */
  registerOptions: workspaceProcedure.output(PasskeyOptions).mutation(({ ctx }) => unwrap(ctx.ws.passkeyRegisterOptions(ctx.cred, ctx.publicOrigin))),
  /** The browser's new credential, verified against that challenge and kept for the caller's principal. */
  register: workspaceProcedure
    .input(RegisterPasskeyInput)
    .output(Passkey)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.passkeyRegister(ctx.cred, input, ctx.publicOrigin))),
  list: workspaceProcedure.output(z.object({ items: z.array(Passkey) })).query(({ ctx }) => unwrap(ctx.ws.listPasskeys(ctx.cred))),
  /** One of the caller's passkeys (an admin: anyone's). */
  delete: workspaceProcedure
    .input(z.strictObject({ id: z.string().min(1).max(1400), idempotencyKey: IdempotencyKey.optional() }))
    .output(Passkey)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.deletePasskey(ctx.cred, input))),
});
