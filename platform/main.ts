/**
 * The `server.ts` of every service: start it, print `<name>: <url> (<did>)`, close it cleanly on
 * SIGINT/SIGTERM (the service's own graceful shutdown), and on a configuration or start-up
 * problem print one line (`<name>: <code>: <message>`) and exit non-zero. No stack trace.
 */
import { ZkrepError } from '#zk';

export interface StartedService {
  url: string;
  did: string;
  close(): Promise<void>;
}

export function runServer(name: string, start: () => Promise<StartedService>): void {
  // `start` may throw before it returns a promise (a configuration error): same path.
  Promise.resolve()
    .then(start)
    .then((service) => {
      process.stdout.write(`${name}: ${service.url} (${service.did})\n`);
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        void service.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    })
    .catch((err: unknown) => {
      const message =
        err instanceof ZkrepError
          ? `${err.code}: ${err.message}`
          : `internal: ${(err as Error)?.message ?? String(err)}`;
      process.stderr.write(`${name}: ${message.split('\n')[0]}\n`);
      process.exit(1);
    });
}
