/**
 * Test fixture for postgres.test.ts: starts an embedded PostgreSQL, prints `{ port, pid, dataDir }`
 * as one JSON line, then either waits to be killed (`wait`) or exits without calling `stop()`
 * (`exit`).
 */
import { startPostgres } from '../postgres.js';

const server = await startPostgres();
process.stdout.write(
  `${JSON.stringify({ port: server.port, pid: server.pid, dataDir: server.dataDir })}\n`,
);
if (process.argv[2] === 'exit') process.exit(0);
setInterval(() => {}, 60_000);
