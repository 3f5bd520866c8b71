/** The marketplace's configuration: defaults, every problem listed at once, no secret echoed. */
import { loadMarketplaceConfig } from './config.js';

const FUNDER = `0x${'7c'.repeat(32)}`;
const good = {
  MARKETPLACE_VERIFIER_URL: 'http://127.0.0.1:8082/',
  MARKETPLACE_API_KEY: 'demo-api-key-0123456789abcdef',
  MARKETPLACE_TRUSTED_ISSUERS: '123456789, 987654321',
  MARKETPLACE_FUNDER_KEY: FUNDER,
  RPC_URL: 'http://127.0.0.1:8545',
};

describe('loadMarketplaceConfig', () => {
  it('applies the documented defaults and needs no KMS secret', () => {
    expect(loadMarketplaceConfig(good)).toMatchObject({
      host: '127.0.0.1',
      port: 8084,
      baseUrl: 'http://127.0.0.1:8084',
      sqlitePath: './data/marketplace/marketplace.sqlite',
      verifierUrl: 'http://127.0.0.1:8082',
      apiKey: 'demo-api-key-0123456789abcdef',
      trustedIssuers: ['123456789', '987654321'],
      funderKey: FUNDER,
      accountFundingWei: 10n ** 18n,
      pollMs: 500,
      rpcUrl: 'http://127.0.0.1:8545',
      deploymentsDir: undefined,
      logLevel: 'info',
    });
  });

  it('reads the optional settings', () => {
    const c = loadMarketplaceConfig({
      ...good,
      MARKETPLACE_PORT: '0',
      MARKETPLACE_DATA_DIR: '/tmp/m/',
      MARKETPLACE_ACCOUNT_FUNDING_WEI: '5000',
      MARKETPLACE_POLL_MS: '100',
      ZKREP_DEPLOYMENTS_DIR: '/tmp/d',
    });
    expect(c).toMatchObject({
      port: 0,
      sqlitePath: '/tmp/m/marketplace.sqlite',
      accountFundingWei: 5000n,
      pollMs: 100,
      deploymentsDir: '/tmp/d',
    });
  });

  it('lists every problem in one error and echoes no secret', () => {
    let message = '';
    try {
      loadMarketplaceConfig({
        MARKETPLACE_VERIFIER_URL: 'ftp://verifier',
        MARKETPLACE_API_KEY: 'short-secret-key',
        MARKETPLACE_TRUSTED_ISSUERS: 'abc',
        MARKETPLACE_FUNDER_KEY: '0xsecretfunderkey',
        MARKETPLACE_ACCOUNT_FUNDING_WEI: '1.5',
        MARKETPLACE_PORT: '70000',
      });
    } catch (e) {
      expect((e as { code: string }).code).toBe('config_invalid');
      message = (e as Error).message;
    }
    for (const problem of [
      'MARKETPLACE_PORT',
      'MARKETPLACE_VERIFIER_URL must be an http(s) URL',
      'MARKETPLACE_API_KEY must be ≥ 24 characters',
      'MARKETPLACE_TRUSTED_ISSUERS must be decimal',
      'MARKETPLACE_FUNDER_KEY must be 0x followed by 64 hex digits',
      'MARKETPLACE_ACCOUNT_FUNDING_WEI must be a whole number of wei',
      'RPC_URL is required',
    ]) {
      expect(message).toContain(problem);
    }
    expect(message).not.toContain('short-secret-key');
    expect(message).not.toContain('secretfunderkey');
    expect(message).not.toContain('KMS');
  });

  it('names each missing required variable', () => {
    expect(() => loadMarketplaceConfig({})).toThrow(
      /MARKETPLACE_VERIFIER_URL is required.*MARKETPLACE_API_KEY is required.*MARKETPLACE_TRUSTED_ISSUERS is required.*MARKETPLACE_FUNDER_KEY is required/,
    );
  });
});
