/** The verifier's configuration: defaults, every problem listed at once, no secret echoed. */
import { loadVerifierConfig } from './config.js';

const good = {
  VERIFIER_KMS_SECRET: 'ab'.repeat(32),
  VERIFIER_MARKETPLACES:
    'demo-market:demo-api-key-0123456789abcdef:demo-webhook-secret-0123456789, other:other-api-key-0123456789abcdef',
  RPC_URL: 'http://127.0.0.1:8545',
};

describe('loadVerifierConfig', () => {
  it('applies the documented defaults and reads each marketplace', () => {
    const c = loadVerifierConfig(good);
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8082,
      baseUrl: 'http://127.0.0.1:8082',
      sqlitePath: './data/verifier/verifier.sqlite',
      databaseUrl: undefined,
      relayerKey: undefined,
      poolThreads: undefined,
      poolMaxQueue: 2_000,
      rateLimitPerIp: 600,
      rateLimitPerKey: 6_000,
      requestTtlSeconds: 600,
      shutdownGraceMs: 10_000,
      auditAnchorSeconds: 3_600,
      retentionSweepSeconds: 3_600,
      regulators: [],
      regulatorLegalBases: {},
      logLevel: 'info',
    });
    expect(c.marketplaces).toEqual([
      {
        id: 'demo-market',
        apiKey: 'demo-api-key-0123456789abcdef',
        webhookSecret: 'demo-webhook-secret-0123456789',
      },
      { id: 'other', apiKey: 'other-api-key-0123456789abcdef', webhookSecret: undefined },
    ]);
  });

  it('reads the optional settings', () => {
    const c = loadVerifierConfig({
      ...good,
      VERIFIER_PORT: '0',
      VERIFIER_BASE_URL: 'https://verifier.example/',
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/zkrep',
      VERIFIER_RELAYER_KEY: `0x${'11'.repeat(32)}`,
      VERIFIER_POOL_THREADS: '2',
      VERIFIER_POOL_MAX_QUEUE: '50',
      VERIFIER_AUDIT_ANCHOR_SECONDS: '0',
      VERIFIER_RETENTION_SWEEP_SECONDS: '60',
    });
    expect(c).toMatchObject({
      retentionSweepSeconds: 60,
      port: 0,
      baseUrl: 'https://verifier.example',
      databaseUrl: 'postgres://u:p@127.0.0.1:5432/zkrep',
      relayerKey: `0x${'11'.repeat(32)}`,
      poolThreads: 2,
      poolMaxQueue: 50,
      auditAnchorSeconds: 0,
    });
  });

  it('lists every problem in one error, without echoing secrets', () => {
    let err: unknown;
    try {
      loadVerifierConfig({
        VERIFIER_PORT: '99999',
        VERIFIER_KMS_SECRET: 'not-hex-SECRETVALUE',
        VERIFIER_MARKETPLACES: 'a:SHORTKEY, b:long-enough-api-key-0123456789:TINYHOOK, c',
        RPC_URL: 'ftp://x',
        DATABASE_URL: 'mysql://u:PASSWORD@h/db',
        VERIFIER_RELAYER_KEY: '0xSECRETKEY',
        VERIFIER_POOL_THREADS: '0',
        VERIFIER_RATE_LIMIT_IP: '-5',
        VERIFIER_REQUEST_TTL: '7200',
        VERIFIER_AUDIT_ANCHOR_SECONDS: '-1',
        VERIFIER_RETENTION_SWEEP_SECONDS: 'hourly',
        LOG_LEVEL: 'loud',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'config_invalid' });
    const msg = (err as Error).message;
    for (const name of [
      'VERIFIER_PORT',
      'VERIFIER_KMS_SECRET',
      'entry 1: the API key',
      'entry 2: the webhook secret',
      'entry 3 must be id:apiKey',
      'RPC_URL',
      'DATABASE_URL',
      'VERIFIER_RELAYER_KEY',
      'VERIFIER_POOL_THREADS',
      'VERIFIER_RATE_LIMIT_IP',
      'VERIFIER_REQUEST_TTL',
      'VERIFIER_AUDIT_ANCHOR_SECONDS',
      'VERIFIER_RETENTION_SWEEP_SECONDS',
      'LOG_LEVEL',
    ]) {
      expect(msg).toContain(name);
    }
    expect(msg).not.toMatch(/SECRETVALUE|PASSWORD|SECRETKEY|SHORTKEY|TINYHOOK/);
    expect(msg).not.toMatch(/\n/);
  });

  it('VERIFIER_AUDIT_ANCHOR_SECONDS: 0 (on demand only) to a week, whole seconds', () => {
    const at = (v: string) => loadVerifierConfig({ ...good, VERIFIER_AUDIT_ANCHOR_SECONDS: v });
    expect(at('604800').auditAnchorSeconds).toBe(604_800);
    for (const bad of ['604801', '1.5', 'hourly']) {
      expect(() => at(bad)).toThrow(
        /^invalid verifier configuration: VERIFIER_AUDIT_ANCHOR_SECONDS/,
      );
    }
  });

  it('VERIFIER_REGULATORS: did:ethr DIDs, none by default; malformed or repeated ones are listed', () => {
    expect(loadVerifierConfig(good).regulators).toEqual([]);
    const a = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';
    const b = 'did:ethr:0x00000000000000000000000000000000000000bb';
    expect(loadVerifierConfig({ ...good, VERIFIER_REGULATORS: ` ${a}, ${b} ` }).regulators).toEqual(
      [a, b],
    );
    expect(() =>
      loadVerifierConfig({ ...good, VERIFIER_REGULATORS: `${a},did:web:example.org,${a}` }),
    ).toThrow(
      /VERIFIER_REGULATORS entry 2 must be a did:ethr DID.*VERIFIER_REGULATORS has a DID twice/,
    );
  });

  it('VERIFIER_REGULATORS: `did=basis+basis` limits a regulator to those legal bases', () => {
    const a = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';
    const b = 'did:ethr:0x00000000000000000000000000000000000000bb';
    const c = loadVerifierConfig({
      ...good,
      VERIFIER_REGULATORS: `${a}=legal_obligation+public_task,${b}`,
    });
    expect(c.regulators).toEqual([a, b]);
    expect(c.regulatorLegalBases).toEqual({ [a]: ['legal_obligation', 'public_task'] });
    for (const bad of [`${a}=because`, `${a}=consent+`, `${a}=consent=contract`]) {
      expect(() => loadVerifierConfig({ ...good, VERIFIER_REGULATORS: bad })).toThrow(
        /VERIFIER_REGULATORS entry 1: legal bases must be consent, contract/,
      );
    }
  });

  it('refuses a marketplace id or an API key given twice', () => {
    expect(() =>
      loadVerifierConfig({
        ...good,
        VERIFIER_MARKETPLACES: 'a:same-api-key-0123456789abcdef,a:same-api-key-0123456789abcdef',
      }),
    ).toThrow(/marketplace id twice.*API key twice/);
  });

  it('requires the KMS secret, the marketplaces and the chain', () => {
    for (const name of ['VERIFIER_KMS_SECRET', 'VERIFIER_MARKETPLACES', 'RPC_URL']) {
      expect(() => loadVerifierConfig({})).toThrow(name);
    }
  });
});
