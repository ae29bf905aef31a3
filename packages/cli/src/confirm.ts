/**
 * Asking a person y/N in a terminal (issue 16, item 1): `greenlight approve` shows what it
 * will approve and waits for an explicit "y". Only a terminal can answer: with stdin not a
 * TTY (a pipe, a script, CI) there is nobody to ask, and the command needs --yes instead.
 */
export type Asker = {
  /** Whether a person can answer: stdin is a terminal. */
  interactive: boolean;
  /** Ask `question`, answer the line typed (empty at end of input). */
  ask: (question: string) => Promise<string>;
};

/** The asker over this process's stdin, writing the question to `output` (stderr when stdout carries JSON). */
export function terminalAsker(output: NodeJS.WritableStream = process.stdout): Asker {
  return {
    interactive: process.stdin.isTTY === true,
    async ask(question) {
      // Loaded on use: the hook, which never asks, starts on every tool call.
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output, terminal: true });
      // End of input (Ctrl-D) answers "" (no), never hangs.
      const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
      try {
        return await Promise.race([rl.question(question), closed]);
      } finally {
        rl.close();
      }
    },
  };
}

/** Whether an answer is a yes: `y` or `yes`, any case, surrounding spaces ignored. Anything else is no. */
export const isYes = (answer: string): boolean => /^\s*y(es)?\s*$/i.test(answer);
