/** The issuer's configuration: defaults, every problem listed at once, no secret echoed. */
import { loadIssuerConfig } from './config.js';

const good = {
  ISSUER_KMS_SECRET: 'ab'.repeat(32),
  ISSUER_ADMIN_API_KEYS: 'first-admin-key-0123456789, second-admin-key-0123456789',
  RPC_URL: 'http://127.0.0.1:8545',
};

describe('loadIssuerConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadIssuerConfig(good);
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8081,
      baseUrl: 'http://127.0.0.1:8081',
      sqlitePath: './data/issuer/issuer.sqlite',
      databaseUrl: undefined,
      adminApiKeys: ['first-admin-key-0123456789', 'second-admin-key-0123456789'],
      logLevel: 'info',
      marketplace: undefined,
      kycPolicyId: undefined,
    });
  });

  it('reads the Marketplace contract whose events are read (ISSUER_MARKETPLACE)', () => {
    const address = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
    expect(loadIssuerConfig({ ...good, ISSUER_MARKETPLACE: address }).marketplace).toBe(address);
    expect(() => loadIssuerConfig({ ...good, ISSUER_MARKETPLACE: '0x1234' })).toThrow(
      'ISSUER_MARKETPLACE must be a 0x address',
    );
  });

  it('lists every problem in one error, without echoing secrets', () => {
    let err: unknown;
    try {
      loadIssuerConfig({
        ISSUER_PORT: '99999',
        ISSUER_KMS_SECRET: 'not-hex-SECRETVALUE',
        ISSUER_ADMIN_API_KEYS: 'short',
        RPC_URL: 'ftp://x',
        DATABASE_URL: 'mysql://u:PASSWORD@h/db',
        ISSUER_REGISTRY_OWNER_KEY: '0xSECRETKEY',
        KYC_POLICY_ID: '-1',
        ISSUER_MARKETPLACE: 'not-an-address',
        LOG_LEVEL: 'loud',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'config_invalid' });
    const msg = (err as Error).message;
    for (const name of [
      'ISSUER_PORT',
      'ISSUER_KMS_SECRET',
      'ISSUER_ADMIN_API_KEYS',
      'RPC_URL',
      'DATABASE_URL',
      'ISSUER_REGISTRY_OWNER_KEY',
      'KYC_POLICY_ID',
      'ISSUER_MARKETPLACE',
      'LOG_LEVEL',
    ]) {
      expect(msg).toContain(name);
    }
    expect(msg).not.toMatch(/SECRETVALUE|PASSWORD|SECRETKEY|short/);
    expect(msg).not.toMatch(/\n/);
  });

  it('requires the KMS secret, admin keys and the chain', () => {
    for (const name of ['ISSUER_KMS_SECRET', 'ISSUER_ADMIN_API_KEYS', 'RPC_URL']) {
      expect(() => loadIssuerConfig({})).toThrow(name);
    }
  });
});
