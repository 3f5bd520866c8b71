/**
 * The wallet link's account hint (`&account=0x…`, unsigned): the default account a proof is for,
 * overridden by an explicit account (`--account`), shown to the holder in the terminal and on the
 * consent page; a hint that is no address is refused before anything is fetched.
 */
import { walletUrl } from '#platform';
import { ZkrepError } from '#zk';
import { renderDisclosure } from '../cli.js';
import { consentScreen } from '../routes/pages.js';
import { describeRequest } from './disclosure.js';
import { accountFor, openRequest } from './respond.js';

const VERIFIER = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';
const OWN = '0x1111111111111111111111111111111111111111';
const HINT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const OTHER = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

const disclosure = () =>
  describeRequest(
    {
      version: 1,
      requestId: 'req-1',
      challenge: `0x${'11'.repeat(32)}`,
      policy: {
        id: 'adults',
        schema: 'AgeCredential',
        predicates: [{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }],
        purpose: 'selling age-restricted goods',
        retentionDays: 30,
        legalBasis: 'legal_obligation',
        trustedIssuers: ['1'],
        queryHash: '1',
        passLifetimeSeconds: 3600,
        maxProofAgeSeconds: 300,
      },
      scope: '1',
      binding: { kind: 'verifier', verifierId: VERIFIER },
    },
    VERIFIER,
  );

describe('the account hint of a wallet link', () => {
  const wallet = { address: OWN as `0x${string}` };

  it('is the default account; an explicit account overrides it; without both, our own', () => {
    expect(accountFor(wallet, { accountHint: HINT })).toBe(HINT);
    expect(accountFor(wallet, { accountHint: HINT }, OTHER)).toBe(OTHER);
    expect(accountFor(wallet, {})).toBe(OWN);
    expect(() => accountFor(wallet, { accountHint: HINT }, 'nope')).toThrow(
      'the account must be an Ethereum address',
    );
  });

  it('is refused when it is no address, before the request is fetched', async () => {
    const link = `${walletUrl({ clientId: VERIFIER, requestUri: 'http://127.0.0.1:9/r/1' })}&account=0x12`;
    const ctx = { resolver: { resolve: () => Promise.reject(new Error('unused')) }, now: () => 1 };
    await expect(openRequest(ctx as never, link)).rejects.toThrow(
      'the account hint must be an Ethereum address',
    );
    await expect(openRequest(ctx as never, link)).rejects.toBeInstanceOf(ZkrepError);
  });

  it('is shown in the terminal and on the consent page', () => {
    const d = disclosure();
    expect(renderDisclosure(d, HINT)).toContain(`For account:  ${HINT}`);
    expect(renderDisclosure(d)).not.toContain('For account');
    const html = consentScreen(d, 'openid4vp://?x', 'csrf', HINT);
    expect(html).toContain(`for account <code id="account">${HINT}</code>`);
  });
});
