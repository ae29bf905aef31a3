import { describe, expect, it } from 'vitest';
import { defaultServerName, mcp } from '../src/commands/mcp.ts';
import { UsageError } from '../src/errors.ts';
import { createCtx } from '../src/context.ts';
import { createOut } from '../src/output.ts';
import { boundedOutput, OUTPUT_BUDGET_BYTES, refusal, resultText } from '../src/mcp/result.ts';
import { upstreamEnv } from '../src/mcp/upstream.ts';
import type { Step } from '@greenlight/core';

const ctx = () => createCtx(createOut({ json: false, color: false }), undefined, 1000);
const run = (args: string[], values: Record<string, string> = {}) => mcp.run(ctx(), args, values);

describe('greenlight mcp: the command line', () => {
  it('refuses a wrong command line before starting anything', async () => {
    await expect(run(['proxy'])).rejects.toThrow(UsageError);
    await expect(run(['proxy', 'node', 'x.js'], { url: 'http://127.0.0.1:1/mcp' })).rejects.toThrow(/either --url/);
    await expect(run(['proxy'], { url: 'ftp://x' })).rejects.toThrow(/http\(s\) URL/);
    await expect(run(['proxy', 'node'], { name: 'a__b' })).rejects.toThrow(/--name "a__b"/);
    await expect(run(['proxy', 'node'], { wait: '0' })).rejects.toThrow(/--wait must be a positive number/);
    await expect(run(['proxy', 'node'], { lease: '2' })).rejects.toThrow(/--lease must be between 5 and 3600/);
    await expect(run(['serve', 'extra'])).rejects.toThrow(UsageError);
    await expect(run(['nope'])).rejects.toThrow(UsageError);
  });

  it('names the server after its command or host when --name is not given', () => {
    expect(defaultServerName('/usr/local/bin/server-github', undefined)).toBe('server-github');
    expect(defaultServerName('node', undefined)).toBe('node');
    expect(defaultServerName('run.sh', undefined)).toBe('run');
    expect(defaultServerName(undefined, 'https://mcp.example.com/mcp')).toBe('mcp-example-com');
    expect(defaultServerName('@@@', undefined)).toBe('upstream');
  });

  it("the upstream process does not get Greenlight's key", () => {
    expect(upstreamEnv({ PATH: '/bin', GREENLIGHT_KEY: 'gl_x', GREENLIGHT_URL: 'http://x', GREENLIGHT_TIMEOUT: '5' })).toEqual({ PATH: '/bin', GREENLIGHT_TIMEOUT: '5' });
  });
});

describe('greenlight mcp: results', () => {
  it('keeps a result that fits, and a summary of one that does not', () => {
    const small = { content: [{ type: 'text', text: 'ok' }] };
    expect(boundedOutput(small)).toBe(small);
    const big = {
      content: [
        { type: 'text', text: 'x'.repeat(OUTPUT_BUDGET_BYTES) },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
      ],
      isError: true,
    };
    const out = boundedOutput(big);
    expect(out).toMatchObject({ truncated: true, isError: true, content: [{ type: 'text', truncatedFrom: OUTPUT_BUDGET_BYTES }, { type: 'image' }] });
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThan(OUTPUT_BUDGET_BYTES);
    expect(resultText(big, 10)).toBe('x'.repeat(10));
  });

  it('a refusal names who decided and why, for the model to read', () => {
    const base = { status: 'rejected', decision: { decision: 'reject', by: ['ana'], at: 1, feedback: 'too risky' } } as unknown as Step;
    expect(refusal(base)).toEqual({ isError: true, content: [{ type: 'text', text: 'Greenlight: this call was rejected by ana: too risky. It was not run; do not retry it unchanged.' }] });
    const byRule = { status: 'rejected', decision: { decision: 'policy', by: ['policy:no-drop'], at: 1, rule: 'no-drop', reason: 'never drop' } } as unknown as Step;
    expect(refusal(byRule).content[0]!.text).toMatch(/rejected by policy rule no-drop: never drop/);
    const timedOut = { status: 'rejected', decision: { decision: 'timeout', by: ['system'], at: 1 } } as unknown as Step;
    expect(refusal(timedOut).content[0]!.text).toMatch(/rejected by the approval timeout/);
    expect(refusal({ status: 'cancelled' } as Step, { by: 'ana', reason: 'stop' }).content[0]!.text).toMatch(/cancelled by ana: stop/);
  });
});
