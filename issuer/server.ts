/**
 * Starts the issuer from the environment (`config.ts` lists every variable). A configuration
 * or start-up problem prints one line and exits non-zero; SIGINT/SIGTERM close it cleanly.
 *
 *   ISSUER_KMS_SECRET=… ISSUER_ADMIN_API_KEYS=… RPC_URL=http://127.0.0.1:8545 npx tsx issuer/server.ts
 */
import { ZkrepError } from '#zk';
import { loadIssuerConfig } from './config.js';
import { startIssuer } from './service.js';

async function main(): Promise<void> {
  const config = loadIssuerConfig();
  const issuer = await startIssuer(config);
  process.stdout.write(`issuer: ${issuer.url} (${issuer.did})\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void issuer.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const message =
    err instanceof ZkrepError
      ? `${err.code}: ${err.message}`
      : `internal: ${(err as Error)?.message ?? String(err)}`;
  process.stderr.write(`issuer: ${message.split('\n')[0]}\n`);
  process.exit(1);
});
