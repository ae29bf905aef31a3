/** run_command in a real shell: success, a non-zero exit, a timeout that kills, bounded output. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandHandler } from '../src/node/index.ts';
import { claimed, codeOf, ctx } from './fixtures.ts';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'greenlight-cmd-'));
  await mkdir(join(cwd, 'sub'));
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

const cmd = (command: string, opts: Partial<Parameters<typeof commandHandler>[0]> = {}, params: Record<string, unknown> = {}, signal?: AbortSignal) =>
  commandHandler({ cwd, timeoutMs: 10_000, maxOutputBytes: 1024, ...opts }).run_command(claimed('run_command', { command, ...params }), ctx(signal));

describe('run_command', () => {
  it('returns the exit code and both streams', async () => {
    expect(await cmd('echo out; echo err >&2')).toEqual({ output: { exitCode: 0, stdout: 'out\n', stderr: 'err\n', truncated: false } });
  });

  it('runs in params.cwd under the handler cwd, and refuses one outside it', async () => {
    const r = await cmd('pwd', {}, { cwd: 'sub' });
    expect((r as { output: { stdout: string } }).output.stdout.trim().endsWith('/sub')).toBe(true);
    expect(await codeOf(cmd('pwd', {}, { cwd: '..' }))).toBe('path_escape');
  });

  it('a non-zero exit fails with exit_code, the bounded output in the message', async () => {
    const err = (await cmd('echo partial; echo boom >&2; exit 3').catch((e: unknown) => e)) as { code: string; retryable: boolean; message: string };
    expect(err.code).toBe('exit_code');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('exited with code 3');
    expect(err.message).toContain('boom');
    expect(err.message).toContain('partial');
  });

  it('kills a command that runs past the timeout, children included (code timeout)', async () => {
    const t0 = performance.now();
    expect(await codeOf(cmd('sleep 30 & sleep 30; wait', { timeoutMs: 300 }))).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('honours a timeout longer than a timer can hold (2^31 ms and more, Infinity): the command runs, it is not killed at once', async () => {
    for (const timeoutMs of [2 ** 31, 30 * 24 * 3600_000, Infinity]) {
      expect(await cmd('sleep 0.05; echo done', { timeoutMs })).toEqual({ output: { exitCode: 0, stdout: 'done\n', stderr: '', truncated: false } });
    }
  });

  it('refuses options that cannot work when the handler is made, before any command runs: a timeout or output size that is not a number, or negative', () => {
    for (const opts of [{ timeoutMs: -1 }, { timeoutMs: Number.NaN }, { maxOutputBytes: Number.NaN }, { maxOutputBytes: -1 }, { maxOutputBytes: 1.5 }]) {
      expect(() => commandHandler({ cwd, ...opts })).toThrow(RangeError);
    }
  });

  it('keeps the last maxOutputBytes of each stream and says it truncated', async () => {
    const r = (await cmd(`i=0; while [ $i -lt 500 ]; do echo "line $i"; i=$((i+1)); done; echo tail-marker`, { maxOutputBytes: 100 })) as {
      output: { stdout: string; stderr: string; truncated: boolean };
    };
    expect(Buffer.byteLength(r.output.stdout)).toBe(100);
    expect(r.output.stdout.endsWith('tail-marker\n')).toBe(true);
    expect(r.output.truncated).toBe(true);
    expect(r.output.stderr).toBe('');
  });

  it('stops the command when the step is aborted (a cancelled task)', async () => {
    const ctrl = new AbortController();
    const running = cmd('sleep 30', {}, {}, ctrl.signal);
    setTimeout(() => ctrl.abort(new Error('task cancelled')), 100);
    expect(await codeOf(running)).toBe('aborted');
  });
});
