/**
 * run_command: the approved command in a shell, in a working directory under `cwd`,
 * with a timeout and bounded output. A non-zero exit fails the step with code
 * exit_code; a failure has no output field, so its message carries the exit code and
 * the tails of stderr and stdout.
 */
import { spawn } from 'node:child_process';
import { deadline } from '../abort.ts';
import { HandlerError, type StepHandler } from '../run.ts';
import { resolveInside } from './paths.ts';

export type CommandHandlerOptions = {
  /** The directory commands run in; a step's params.cwd is relative to it and must stay inside it. */
  cwd: string;
  /** Kill the command (its whole process group) after this long; the step fails with code timeout. Default 10 minutes; Infinity for none. */
  timeoutMs?: number;
  /**
   * Keep at most this many bytes of stdout and of stderr each, the last ones (a
   * command's verdict is at its end). Default 16 KiB, so both fit the 64 KiB a
   * step's output may take.
   */
  maxOutputBytes?: number;
  /** Extra environment for the command, over the agent's own. */
  env?: Record<string, string>;
};

export type CommandOutput = { exitCode: number; stdout: string; stderr: string; truncated: boolean };

/** The last `max` bytes written to a stream, and whether anything was dropped. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly max: number;
  truncated = false;
  constructor(max: number) {
    this.max = max;
  }
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.max) {
      const head = this.chunks[0]!;
      const drop = Math.min(head.length, this.size - this.max);
      this.truncated = true;
      this.size -= drop;
      if (drop === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(drop);
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

const MESSAGE_TAIL_CHARS = 4_000;
const tailOf = (s: string) => (s.length > MESSAGE_TAIL_CHARS ? `…${s.slice(-MESSAGE_TAIL_CHARS)}` : s);

/** @throws RangeError when timeoutMs is negative or not a number, or maxOutputBytes is not a whole number >= 0 (checked here, before any command is started). */
export function commandHandler({ cwd, timeoutMs = 600_000, maxOutputBytes = 16 * 1024, env }: CommandHandlerOptions): { run_command: StepHandler } {
  if (!(timeoutMs >= 0)) throw new RangeError(`commandHandler: timeoutMs must be a number of milliseconds >= 0, not ${timeoutMs}`);
  // NaN would keep all output (unbounded memory); a negative size would loop on an empty tail.
  if (!Number.isInteger(maxOutputBytes) || maxOutputBytes < 0) throw new RangeError(`commandHandler: maxOutputBytes must be a whole number >= 0, not ${maxOutputBytes}`);
  return {
    async run_command(step, { signal }) {
      const command = step.params.command;
      if (typeof command !== 'string' || command === '') throw new HandlerError('run_command needs params.command', { code: 'bad_params' });
      const dir = typeof step.params.cwd === 'string' ? (await resolveInside(cwd, step.params.cwd)).real : cwd;
      const out = await new Promise<CommandOutput & { timedOut: boolean; aborted: boolean; signal: string | null }>((resolve, reject) => {
        // Its own process group, so a timeout kills what the shell started too, not just the shell.
        const child = spawn(command, { shell: true, cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
        const stdout = new Tail(maxOutputBytes);
        const stderr = new Tail(maxOutputBytes);
        child.stdout.on('data', (d: Buffer) => stdout.push(d));
        child.stderr.on('data', (d: Buffer) => stderr.push(d));
        let timedOut = false;
        let aborted = false;
        const kill = () => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        };
        // deadline(), not setTimeout: a timeout past 2^31-1 ms (24.8 days) or Infinity would fire at once.
        const cancelDeadline = deadline(timeoutMs, () => {
          timedOut = true;
          kill();
        });
        const onAbort = () => {
          aborted = true;
          kill();
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
        child.once('error', (err) => {
          cancelDeadline();
          signal.removeEventListener('abort', onAbort);
          reject(new HandlerError(`could not start \`${command}\`: ${err.message}`, { code: 'spawn_failed', cause: err }));
        });
        child.once('close', (code, sig) => {
          cancelDeadline();
          signal.removeEventListener('abort', onAbort);
          resolve({
            exitCode: code ?? -1,
            stdout: stdout.text(),
            stderr: stderr.text(),
            truncated: stdout.truncated || stderr.truncated,
            timedOut,
            aborted,
            signal: sig,
          });
        });
      });
      const { timedOut, aborted, signal: killedBy, ...output } = out;
      const tails = `${output.stderr ? `\n--- stderr (tail) ---\n${tailOf(output.stderr)}` : ''}${output.stdout ? `\n--- stdout (tail) ---\n${tailOf(output.stdout)}` : ''}`;
      if (aborted) {
        const why = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
        throw new HandlerError(`\`${command}\` was stopped: ${why}`, { code: 'aborted' });
      }
      if (timedOut) throw new HandlerError(`\`${command}\` timed out after ${timeoutMs} ms and was killed${tails}`, { code: 'timeout' });
      if (output.exitCode !== 0) {
        const why = killedBy ? `was killed by ${killedBy}` : `exited with code ${output.exitCode}`;
        throw new HandlerError(`\`${command}\` ${why}${tails}`, { code: 'exit_code' });
      }
      return { output };
    },
  };
}
