/**
 * Starts the issuer from the environment (`config.ts` lists every variable). A configuration
 * or start-up problem prints one line and exits non-zero; SIGINT/SIGTERM close it cleanly.
 *
 *   ISSUER_KMS_SECRET=… ISSUER_ADMIN_API_KEYS=… RPC_URL=http://127.0.0.1:8545 npx tsx issuer/server.ts
 */
import { runServer } from '#platform';
import { loadIssuerConfig } from './config.js';
import { startIssuer } from './service.js';

runServer('issuer', () => startIssuer(loadIssuerConfig()));
