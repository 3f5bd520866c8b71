/**
 * The stack (scripts/lib/stack.ts, the library `npm start` runs) on PostgreSQL: with one
 * `DATABASE_URL` the issuer, the verifier and the demo marketplace share one real database (each
 * keeps its own prefixed tables; the issuer's and the verifier's DIDs live in Veramo's tables
 * under their own aliases), and a restart on the same data resumes with the same identities.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres, type EmbeddedPostgres } from '#platform';
import { startStack, type RunningStack } from '../../scripts/lib/stack.js';

let work: string;
let postgres: EmbeddedPostgres;
let stack: RunningStack | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-start-pg-'));
  await chmod(work, 0o755); // as root, PostgreSQL runs as nobody, who must enter it
  postgres = await startPostgres({ dataDir: join(work, 'pg'), durable: false });
});

afterAll(async () => {
  await stack?.close();
  await postgres?.stop();
  await rm(work, { recursive: true, force: true });
});

const start = () =>
  startStack({
    dataDir: join(work, 'data'),
    anyPorts: true,
    env: { DATABASE_URL: postgres.url, LOG_LEVEL: 'silent' },
  });

async function tables(): Promise<string[]> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

it('the three services share one PostgreSQL database, and a restart resumes', async () => {
  stack = await start();
  expect(stack.resumed).toBe(false);
  for (const url of [stack.urls.issuer, stack.urls.verifier, stack.urls.marketplace]) {
    expect((await fetch(`${url}/ready`)).status).toBe(200);
  }
  const names = await tables();
  for (const prefix of ['issuer_', 'verifier_', 'marketplace_']) {
    expect(names.some((n) => n.startsWith(prefix))).toBe(true);
  }
  // Nothing went to SQLite.
  for (const service of ['issuer', 'verifier', 'marketplace']) {
    expect(existsSync(join(work, 'data', service, `${service}.sqlite`))).toBe(false);
  }
  const before = {
    issuer: stack.issuer.did,
    verifier: stack.verifier.did,
    contract: stack.marketplace.address,
  };
  expect(before.issuer).not.toBe(before.verifier);
  await stack.close();

  stack = await start();
  expect(stack.resumed).toBe(true);
  expect({
    issuer: stack.issuer.did,
    verifier: stack.verifier.did,
    contract: stack.marketplace.address,
  }).toEqual(before);
  expect((await fetch(`${stack.urls.issuer}/ready`)).status).toBe(200);
});
