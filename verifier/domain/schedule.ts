/**
 * A periodic background task (audit checkpoints, retention purges): `task` runs every
 * `intervalMs` after the previous run ended (unref'ed timers, so it never keeps the process up);
 * a failure is logged by its code only, never with data; `stop()` waits for a run in flight.
 */
import { ZkrepError } from '#zk';
import type { Logger } from 'pino';

export function every(
  task: (stopped: () => boolean) => Promise<unknown>,
  p: { intervalMs: number; logger: Logger; what: string },
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  const next = () => {
    timer = setTimeout(() => {
      inFlight = task(() => stopped)
        .then(() => undefined)
        .catch((e: unknown) => {
          const code = e instanceof ZkrepError ? e.code : 'internal';
          p.logger.error({ code }, `${p.what} failed`);
        })
        .finally(() => {
          inFlight = undefined;
          if (!stopped) next();
        });
    }, p.intervalMs);
    timer.unref();
  };
  next();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
