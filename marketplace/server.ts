/**
 * Starts the demo marketplace from the environment (`config.ts` lists every variable). A
 * configuration or start-up problem prints one line and exits non-zero; SIGINT/SIGTERM close it.
 * The start line names its Marketplace contract where other services name their DID.
 *
 *   MARKETPLACE_VERIFIER_URL=http://127.0.0.1:8082 MARKETPLACE_API_KEY=… \
 *   MARKETPLACE_TRUSTED_ISSUERS=… MARKETPLACE_FUNDER_KEY=0x… RPC_URL=http://127.0.0.1:8545 \
 *   npx tsx marketplace/server.ts
 */
import { runServer } from '#platform';
import { loadMarketplaceConfig } from './config.js';
import { startMarketplace } from './service.js';

runServer('marketplace', () => startMarketplace(loadMarketplaceConfig()));
