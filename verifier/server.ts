/**
 * Starts the verifier from the environment (`config.ts` lists every variable). A configuration
 * or start-up problem prints one line and exits non-zero; SIGINT/SIGTERM shut it down gracefully
 * (in-flight requests finish, new ones get 503).
 *
 *   VERIFIER_KMS_SECRET=… VERIFIER_MARKETPLACES=demo:… RPC_URL=http://127.0.0.1:8545 npx tsx verifier/server.ts
 */
import { runServer } from '#platform';
import { loadVerifierConfig } from './config.js';
import { startVerifier } from './service.js';

runServer('verifier', () => startVerifier(loadVerifierConfig()));
