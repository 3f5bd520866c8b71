/**
 * Terminal questions for the CLI: a line (consent), and a hidden line (passphrase, recovery
 * phrase) whose characters are not echoed. node:readline with the echo muted; asked on stderr so
 * stdout stays clean for `--json`.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { CliIo } from './cli.js';

function ask(
  io: Pick<CliIo, 'stdin' | 'stderr'>,
  question: string,
  hidden: boolean,
): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) io.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: io.stdin, output, terminal: true });
  return new Promise<string>((resolve, reject) => {
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) io.stderr.write('\n');
      resolve(answer);
    });
    muted = hidden;
    rl.once('SIGINT', () => {
      rl.close();
      reject(new Error('interrupted'));
    });
  });
}

export const askLine = (io: Pick<CliIo, 'stdin' | 'stderr'>, q: string): Promise<string> =>
  ask(io, q, false);
export const askHidden = (io: Pick<CliIo, 'stdin' | 'stderr'>, q: string): Promise<string> =>
  ask(io, q, true);
