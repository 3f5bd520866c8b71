/**
 * Starts the verifier from the environment (`config.ts` lists every variable). A configuration
 * or start-up problem prints one line and exits non-zero; SIGINT/SIGTERM shut it down gracefully
 * (in-flight requests finish, new ones get 503).
 *
 *   VERIFIER_KMS_SECRET=… VERIFIER_MARKETPLACES=demo:… RPC_URL=http://127.0.0.1:8545 npx tsx verifier/server.ts
 */
import { ZkrepError } from '#zk';
import { loadVerifierConfig } from './config.js';
import { startVerifier } from './service.js';

async function main(): Promise<void> {
  const config = loadVerifierConfig();
  const verifier = await startVerifier(config);
  process.stdout.write(`verifier: ${verifier.url} (${verifier.did})\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void verifier.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const message =
    err instanceof ZkrepError
      ? `${err.code}: ${err.message}`
      : `internal: ${(err as Error)?.message ?? String(err)}`;
  process.stderr.write(`verifier: ${message.split('\n')[0]}\n`);
  process.exit(1);
});
