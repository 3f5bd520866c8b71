/** The launcher's configuration: defaults, the services' environments, every problem at once. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  StackConfigError,
  issuerEnv,
  launcherEnv,
  loadServiceConfigs,
  marketplaceEnv,
  newSecrets,
  readLauncherConfig,
  stackPaths,
  verifierEnv,
  type RuntimeValues,
} from './config.js';
import { DEV_KEYS } from './dev-keys.js';

const runtime: RuntimeValues = {
  rpcUrl: 'http://127.0.0.1:8545',
  issuerKeyHash: '123456789',
  verifierUrl: 'http://127.0.0.1:8082',
};
const key = (c: string) => `0x${c.repeat(64)}`;

describe('readLauncherConfig', () => {
  it('applies the documented defaults: the embedded chain with the dev keys', () => {
    const { config, problems } = readLauncherConfig({});
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      dataDir: resolve('./data'),
      rpcUrl: undefined,
      anvilPort: 8545,
      ports: { issuer: 8081, verifier: 8082, marketplace: 8084, wallet: 7300 },
      keys: {
        deployer: DEV_KEYS.owner,
        relayer: DEV_KEYS.relayer,
        funder: DEV_KEYS.funder,
        marketplace: DEV_KEYS.marketplace,
      },
    });
  });

  it('reads the data folder and ports; anyPorts puts every port at 0', () => {
    const env = { ZKREP_DATA_DIR: '/tmp/zk-data', ANVIL_PORT: '9545', ISSUER_PORT: '9081' };
    const { config } = readLauncherConfig(env);
    expect(config.dataDir).toBe('/tmp/zk-data');
    expect(config.anvilPort).toBe(9545);
    expect(config.ports.issuer).toBe(9081);
    const any = readLauncherConfig(env, { anyPorts: true, dataDir: 'here' }).config;
    expect(any.dataDir).toBe(resolve('here'));
    expect([any.anvilPort, ...Object.values(any.ports)]).toEqual([0, 0, 0, 0, 0]);
  });

  it('on an external chain requires every key, and takes the given ones', () => {
    const { problems } = readLauncherConfig({ RPC_URL: 'http://10.0.0.1:8545' });
    expect(problems).toHaveLength(4);
    for (const name of ['DEPLOYER_KEY', 'RELAYER_KEY', 'FUNDER_KEY', 'MARKETPLACE_FUNDER_KEY']) {
      expect(problems.some((p) => p.startsWith(`${name} is required with RPC_URL`))).toBe(true);
    }
    const given = readLauncherConfig({
      RPC_URL: 'http://10.0.0.1:8545',
      DEPLOYER_KEY: key('1'),
      RELAYER_KEY: key('2'),
      FUNDER_KEY: key('3'),
      MARKETPLACE_FUNDER_KEY: key('4'),
    });
    expect(given.problems).toEqual([]);
    expect(given.config.rpcUrl).toBe('http://10.0.0.1:8545');
    expect(given.config.keys).toEqual({
      deployer: key('1'),
      relayer: key('2'),
      funder: key('3'),
      marketplace: key('4'),
    });
  });

  it('lists every malformed variable, never echoing a key', () => {
    const { problems } = readLauncherConfig({
      ANVIL_PORT: '99999',
      WALLET_PORT: 'seven',
      RPC_URL: 'ftp://chain',
      DEPLOYER_KEY: '0xSECRETKEY',
    });
    const text = problems.join('\n');
    for (const name of ['ANVIL_PORT', 'WALLET_PORT', 'RPC_URL', 'DEPLOYER_KEY']) {
      expect(text).toContain(name);
    }
    expect(text).not.toContain('SECRETKEY');
  });
});

describe("the services' environments", () => {
  const { config } = readLauncherConfig({
    ZKREP_DATA_DIR: '/srv/zk',
    ISSUER_BASE_URL: 'https://issuer.example',
    ISSUER_DATABASE_URL: 'postgres://issuer@db/issuer',
    DATABASE_URL: 'postgres://all@db/all',
    VERIFIER_RATE_LIMIT_IP: '10',
    LOG_LEVEL: 'debug',
  });
  const secrets = newSecrets();

  it('put every part under the data folder, with the saved secrets', () => {
    const paths = stackPaths('/srv/zk');
    const issuer = issuerEnv(config, secrets, runtime);
    expect(issuer).toMatchObject({
      ISSUER_DATA_DIR: paths.issuer,
      ISSUER_KMS_SECRET: secrets.issuerKmsSecret,
      ISSUER_ADMIN_API_KEYS: secrets.adminApiKey,
      ISSUER_REGISTRY_OWNER_KEY: DEV_KEYS.owner,
      ISSUER_FUNDER_KEY: DEV_KEYS.funder,
      RPC_URL: runtime.rpcUrl,
      ZKREP_DEPLOYMENTS_DIR: paths.deployments,
    });
    expect(issuer['ISSUER_MARKETPLACE']).toBeUndefined();
    expect(verifierEnv(config, secrets, runtime)).toMatchObject({
      VERIFIER_DATA_DIR: paths.verifier,
      VERIFIER_KMS_SECRET: secrets.verifierKmsSecret,
      VERIFIER_MARKETPLACES: `demo:${secrets.marketplaceApiKey}`,
      VERIFIER_RELAYER_KEY: DEV_KEYS.relayer,
    });
    expect(marketplaceEnv(config, secrets, runtime)).toMatchObject({
      MARKETPLACE_DATA_DIR: paths.marketplace,
      MARKETPLACE_API_KEY: secrets.marketplaceApiKey,
      MARKETPLACE_VERIFIER_URL: runtime.verifierUrl,
      MARKETPLACE_TRUSTED_ISSUERS: runtime.issuerKeyHash,
      MARKETPLACE_FUNDER_KEY: DEV_KEYS.marketplace,
    });
  });

  it("pass the user's variables to their service only; a service's own database wins", () => {
    const issuer = issuerEnv(config, secrets, runtime);
    const verifier = verifierEnv(config, secrets, runtime);
    expect(issuer['ISSUER_BASE_URL']).toBe('https://issuer.example');
    expect(issuer['DATABASE_URL']).toBe('postgres://issuer@db/issuer');
    expect(issuer['LOG_LEVEL']).toBe('debug');
    expect(issuer['VERIFIER_RATE_LIMIT_IP']).toBeUndefined();
    expect(verifier['VERIFIER_RATE_LIMIT_IP']).toBe('10');
    expect(verifier['DATABASE_URL']).toBe('postgres://all@db/all');
    expect(verifier['ISSUER_BASE_URL']).toBeUndefined();
  });

  it("point the issuer at the demo marketplace and trust the partner's key once bootstrapped", () => {
    const env = issuerEnv(config, secrets, {
      ...runtime,
      marketplace: { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', agePolicyId: '7' },
      partner: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    });
    expect(env).toMatchObject({
      ISSUER_MARKETPLACE: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      KYC_POLICY_ID: '7',
      ISSUER_TRUSTED_MARKETPLACES: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    });
  });
});

describe('loadServiceConfigs', () => {
  it("loads each service's configuration from its environment", () => {
    const { config } = readLauncherConfig({ ZKREP_DATA_DIR: '/srv/zk' });
    const secrets = newSecrets();
    const loaded = loadServiceConfigs(config, secrets, runtime);
    expect(loaded.issuer).toMatchObject({ port: 8081, adminApiKeys: [secrets.adminApiKey] });
    expect(loaded.verifier).toMatchObject({ port: 8082, relayerKey: DEV_KEYS.relayer });
    expect(loaded.marketplace).toMatchObject({ port: 8084, trustedIssuers: ['123456789'] });
  });

  it('lists every problem of the launcher and of every service, one line each', () => {
    const { config, problems } = readLauncherConfig({
      ANVIL_PORT: 'x',
      ISSUER_PORT: '70000',
      VERIFIER_RATE_LIMIT_IP: 'many',
      MARKETPLACE_API_KEY: 'short-SECRET',
      LOG_LEVEL: 'loud',
    });
    let err: unknown;
    try {
      loadServiceConfigs(config, newSecrets(), runtime, problems);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StackConfigError);
    const lines = (err as StackConfigError).problems;
    expect(lines.some((l) => /^launcher: ANVIL_PORT/.test(l))).toBe(true);
    // Read by the launcher and the issuer alike: one line naming both.
    expect(lines.filter((l) => l.includes('ISSUER_PORT'))).toEqual([
      expect.stringMatching(/^launcher, issuer: ISSUER_PORT must be an integer/),
    ]);
    expect(lines.some((l) => /^verifier: VERIFIER_RATE_LIMIT_IP/.test(l))).toBe(true);
    expect(lines.some((l) => /^marketplace: MARKETPLACE_API_KEY/.test(l))).toBe(true);
    // A problem several services share is one line naming them all.
    expect(lines.filter((l) => l.includes('LOG_LEVEL'))).toEqual([
      expect.stringMatching(/^issuer, verifier, marketplace: LOG_LEVEL must be one of/),
    ]);
    for (const line of lines) expect(line).not.toMatch(/\n|SECRET/);
    expect((err as Error).message.split('\n')).toEqual(lines);
  });
});

describe('launcherEnv', () => {
  it('reads a .env file; the real environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zkrep-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'ZKREP_TEST_FROM_FILE=file\nZKREP_TEST_BOTH=file\n');
    process.env['ZKREP_TEST_BOTH'] = 'real';
    try {
      const env = launcherEnv(file);
      expect(env['ZKREP_TEST_FROM_FILE']).toBe('file');
      expect(env['ZKREP_TEST_BOTH']).toBe('real');
      expect(launcherEnv(join(dir, 'missing.env'))['ZKREP_TEST_BOTH']).toBe('real');
    } finally {
      delete process.env['ZKREP_TEST_FROM_FILE'];
      delete process.env['ZKREP_TEST_BOTH'];
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('newSecrets', () => {
  it('makes fresh secrets every time', () => {
    const [a, b] = [newSecrets(), newSecrets()];
    expect(a.issuerKmsSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(a.partnerKey).toMatch(/^0x[0-9a-f]{64}$/);
    expect(a.issuerKmsSecret).not.toBe(b.issuerKmsSecret);
    expect(a.adminApiKey).not.toBe(b.adminApiKey);
    expect(a.walletPassphrases.alice).not.toBe(b.walletPassphrases.alice);
  });
});
