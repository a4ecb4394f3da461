/** Asking the operator a yes/no question, only when there is a terminal to ask on. */

import readline from 'node:readline/promises';

/**
 * A y/N question on stderr/stdin, or undefined when stdin or stderr is not a
 * TTY (scripts, CI, pipes): callers then need an explicit flag such as --yes.
 */
export function ttyConfirm(question: string): (() => Promise<boolean>) | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async () => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  };
}

/** Writes lines for the operator to stderr (stdout stays for results). */
export function tell(lines: string[]): void {
  process.stderr.write(lines.join('\n') + '\n');
}
