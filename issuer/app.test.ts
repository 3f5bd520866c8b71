/**
 * The issuer app's readiness probe, in-process with stand-in dependencies (a unit test of the
 * router: the real start-up path is tested end to end in test/e2e/issuer.e2e.test.ts): 200 only
 * when both the database and the chain answer; a probe that fails or throws is "not ready".
 */
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createApp, type IssuerDeps } from './app.js';

async function readiness(ready: IssuerDeps['ready']): Promise<[number, unknown]> {
  const deps = {
    logger: pino({ level: 'silent' }),
    adminApiKeys: [],
    baseUrl: 'http://127.0.0.1',
    now: () => 0,
    ready,
  } as unknown as IssuerDeps;
  const server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/ready`);
    return [res.status, await res.json()];
  } finally {
    await new Promise((r) => server.close(r));
  }
}

describe('GET /ready', () => {
  it('is 200 when the database and the chain answer', async () => {
    expect(await readiness({ database: async () => true, chain: async () => true })).toEqual([
      200,
      { status: 'ready', database: true, chain: true },
    ]);
  });

  it('is 503 when the chain is down, or the database, naming which', async () => {
    const down = async (): Promise<boolean> => {
      throw new Error('ECONNREFUSED');
    };
    expect(await readiness({ database: async () => true, chain: down })).toEqual([
      503,
      { status: 'unavailable', database: true, chain: false },
    ]);
    expect(await readiness({ database: down, chain: async () => true })).toEqual([
      503,
      { status: 'unavailable', database: false, chain: true },
    ]);
  });
});
