/**
 * claim.ts: schema ids, claim validation at the circuit's bounds (I01), the claim field
 * layout, and injectivity of the claim hash on valid claims (C15).
 */
import fc from 'fast-check';
import { expectZkError } from '../../test/helpers/expect.js';
import { keccak256, type Hex } from 'viem';
import { ZK_ERROR, ZkError, type ZkErrorCode } from './errors.js';
import { MAX_CREDENTIAL_ID, MAX_TIME, MAX_VALUE, SNARK_FIELD_SIZE } from './field.js';
import { poseidon } from './poseidon.js';
import {
  ATTRIBUTE_SLOTS,
  type Claim,
  claimFields,
  claimHash,
  schemaId,
  validateClaim,
} from './claim.js';
import { holderCommitment, issuerPublicKey, signMessage, verifySignature } from './keys.js';

const r = SNARK_FIELD_SIZE;

const BASE: Claim = {
  schema: 1111n,
  holderCommitment: 2222n,
  credentialId: 5n,
  issuedAt: 1_787_408_000n,
  expiresAt: 1_821_536_000n,
  attributes: [3n, 276n, 2n, 0n, 0n, 0n, 0n, 0n],
};
const withField = (over: Partial<Record<keyof Claim, unknown>>): Claim =>
  ({ ...BASE, ...over }) as Claim;

const claimArb: fc.Arbitrary<Claim> = fc
  .record({
    schema: fc.bigInt({ min: 1n, max: r - 1n }),
    holderCommitment: fc.bigInt({ min: 0n, max: r - 1n }),
    credentialId: fc.bigInt({ min: 0n, max: MAX_CREDENTIAL_ID }),
    issuedAt: fc.bigInt({ min: 0n, max: MAX_TIME - 1n }),
    span: fc.bigInt({ min: 1n, max: MAX_TIME }),
    attributes: fc.array(
      fc.oneof(fc.bigInt({ min: 0n, max: MAX_VALUE }), fc.bigInt({ min: 0n, max: 300n })),
      { minLength: 8, maxLength: 8 },
    ),
  })
  .map(({ span, ...c }) => ({
    ...c,
    expiresAt: c.issuedAt + 1n + ((span - 1n) % (MAX_TIME - c.issuedAt)),
  }));

describe('schemaId', () => {
  it('is keccak256("zkrep:schema:" + name) >> 8, computed independently', () => {
    for (const name of ['zkrep.age.v1', 'zkrep.reputation.v1', 'x', 'ünïcödé ✓']) {
      const hex = `0x${Buffer.from(`zkrep:schema:${name}`, 'utf8').toString('hex')}` as Hex;
      expect(schemaId(name)).toBe(BigInt(keccak256(hex)) >> 8n);
      expect(schemaId(name) > 0n && schemaId(name) < r).toBe(true);
    }
  });

  it('differs between names and refuses empty, over-long and non-string names', () => {
    expect(schemaId('zkrep.age.v1')).not.toBe(schemaId('zkrep.age.v2'));
    expect(schemaId('a'.repeat(200))).toBeGreaterThan(0n);
    for (const bad of ['', 'a'.repeat(201), 42, null, undefined] as unknown[]) {
      expectZkError(() => schemaId(bad as string), ZK_ERROR.badInput);
    }
  });
});

describe('validateClaim', () => {
  it('accepts a valid claim and the exact edges of every range', () => {
    expect(validateClaim(BASE)).toEqual(BASE);
    const edges: Claim = {
      schema: r - 1n,
      holderCommitment: r - 1n,
      credentialId: MAX_CREDENTIAL_ID,
      issuedAt: MAX_TIME - 1n,
      expiresAt: MAX_TIME,
      attributes: [MAX_VALUE, 0n, MAX_VALUE, 0n, MAX_VALUE, 0n, MAX_VALUE, 0n],
    };
    expect(validateClaim(edges)).toEqual(edges);
    const low = {
      ...BASE,
      schema: 1n,
      holderCommitment: 0n,
      credentialId: 0n,
      issuedAt: 0n,
      expiresAt: 1n,
    };
    expect(validateClaim(low)).toEqual(low);
  });

  it('normalises safe-integer attribute numbers to the same bigints', () => {
    const nums = withField({ attributes: [3, 276, 2, 0, 0, 0, 0, 0] });
    expect(validateClaim(nums).attributes).toEqual(BASE.attributes);
    expect(claimHash(nums)).toBe(claimHash(BASE));
  });

  it('refuses schema 0 (bad_input) and schema / holderCommitment outside the field (out_of_range)', () => {
    expectZkError(() => validateClaim(withField({ schema: 0n })), ZK_ERROR.badInput);
    for (const v of [r, -1n, 1]) {
      expectZkError(() => validateClaim(withField({ schema: v })), ZK_ERROR.outOfRange);
      expectZkError(() => validateClaim(withField({ holderCommitment: v })), ZK_ERROR.outOfRange);
    }
  });

  it('refuses credentialId outside [0, 2^24) with out_of_range', () => {
    for (const id of [MAX_CREDENTIAL_ID + 1n, 2n ** 24n, -1n, 2n ** 64n, 5, '5', null]) {
      expectZkError(() => validateClaim(withField({ credentialId: id })), ZK_ERROR.outOfRange);
    }
  });

  it('refuses times outside [0, 2^40) (out_of_range) and non-integer times (bad_encoding)', () => {
    expectZkError(() => validateClaim(withField({ issuedAt: -1n })), ZK_ERROR.outOfRange);
    expectZkError(
      () => validateClaim(withField({ expiresAt: MAX_TIME + 1n })),
      ZK_ERROR.outOfRange,
    );
    expectZkError(
      () => validateClaim(withField({ issuedAt: MAX_TIME + 1n, expiresAt: MAX_TIME + 2n })),
      ZK_ERROR.outOfRange,
    );
    expectZkError(() => validateClaim(withField({ issuedAt: 1.5 })), ZK_ERROR.badEncoding);
    expectZkError(
      () => validateClaim(withField({ expiresAt: '1821536000' })),
      ZK_ERROR.badEncoding,
    );
  });

  it('refuses expiresAt ≤ issuedAt with bad_input', () => {
    expectZkError(() => validateClaim(withField({ expiresAt: BASE.issuedAt })), ZK_ERROR.badInput);
    expectZkError(
      () => validateClaim(withField({ expiresAt: BASE.issuedAt - 1n })),
      ZK_ERROR.badInput,
    );
    expectZkError(
      () => validateClaim(withField({ issuedAt: 0n, expiresAt: 0n })),
      ZK_ERROR.badInput,
    );
    expect(validateClaim(withField({ expiresAt: BASE.issuedAt + 1n })).expiresAt).toBe(
      BASE.issuedAt + 1n,
    );
  });

  it('refuses 7, 9 or 0 attributes and non-array attributes with bad_input', () => {
    for (const attributes of [
      BASE.attributes.slice(0, 7),
      [...BASE.attributes, 0n],
      [],
      'attrs',
      undefined,
      { length: 8 },
    ] as unknown[]) {
      expectZkError(() => validateClaim(withField({ attributes })), ZK_ERROR.badInput);
    }
  });

  it('refuses every attribute slot outside [0, 2^64) (out_of_range) or non-integer (bad_encoding)', () => {
    for (let i = 0; i < ATTRIBUTE_SLOTS; i++) {
      for (const [v, code] of [
        [MAX_VALUE + 1n, ZK_ERROR.outOfRange],
        [-1n, ZK_ERROR.outOfRange],
        [r, ZK_ERROR.outOfRange],
        [1.5, ZK_ERROR.badEncoding],
        ['1', ZK_ERROR.badEncoding],
        [undefined, ZK_ERROR.badEncoding],
      ] as [unknown, ZkErrorCode][]) {
        const attributes: unknown[] = [...BASE.attributes];
        attributes[i] = v;
        expectZkError(() => validateClaim(withField({ attributes })), code);
        expect(() => claimHash(withField({ attributes }))).toThrow(ZkError);
      }
    }
  });

  it('refuses a missing claim with bad_input', () => {
    for (const c of [null, undefined, 'claim', 0] as unknown[]) {
      expectZkError(() => validateClaim(c as Claim), ZK_ERROR.badInput);
    }
  });
});

describe('claimFields / claimHash', () => {
  it('lays out (schema, holder, id, issuedAt, expiresAt, attrs[0..8)) in circuit order', () => {
    const expected = [
      1111n,
      2222n,
      5n,
      1_787_408_000n,
      1_821_536_000n,
      3n,
      276n,
      2n,
      0n,
      0n,
      0n,
      0n,
      0n,
    ];
    expect(ATTRIBUTE_SLOTS).toBe(8);
    expect(claimFields(BASE)).toEqual(expected);
    expect(claimHash(BASE)).toBe(poseidon(expected));
  });

  it('is the message an issuer signs: a signature over claimHash verifies', () => {
    const sk = new Uint8Array(32).fill(3);
    const claim = { ...BASE, holderCommitment: holderCommitment(12345n) };
    const sig = signMessage(sk, claimHash(claim));
    expect(verifySignature(claimHash(claim), sig, issuerPublicKey(sk))).toBe(true);
    expect(
      verifySignature(claimHash({ ...claim, credentialId: 6n }), sig, issuerPublicKey(sk)),
    ).toBe(false);
  });

  it('changes when any single field changes (property, C15)', () => {
    fc.assert(
      fc.property(
        claimArb,
        fc.integer({ min: 0, max: 12 }),
        fc.bigInt({ min: 0n, max: r - 1n }),
        (c, index, raw) => {
          const fields = claimFields(c);
          const old = fields[index]!;
          // Map `raw` into the valid range of the chosen field.
          let next: bigint;
          if (index === 0) next = 1n + (raw % (r - 1n));
          else if (index === 1) next = raw;
          else if (index === 2) next = raw % (MAX_CREDENTIAL_ID + 1n);
          else if (index === 3) next = raw % c.expiresAt;
          else if (index === 4) next = c.issuedAt + 1n + (raw % (MAX_TIME - c.issuedAt));
          else next = raw % (MAX_VALUE + 1n);
          fc.pre(next !== old);
          const changed = [...fields];
          changed[index] = next;
          const [schema, holder, credentialId, issuedAt, expiresAt, ...attributes] = changed as [
            bigint,
            bigint,
            bigint,
            bigint,
            bigint,
            ...bigint[],
          ];
          const c2: Claim = {
            schema,
            holderCommitment: holder,
            credentialId,
            issuedAt,
            expiresAt,
            attributes,
          };
          expect(claimHash(c2)).not.toBe(claimHash(c));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('distinct valid tuples give distinct hashes (property, C15)', () => {
    fc.assert(
      fc.property(claimArb, claimArb, (a, b) => {
        const fa = claimFields(a);
        const fb = claimFields(b);
        if (fa.some((x, i) => x !== fb[i])) expect(claimHash(a)).not.toBe(claimHash(b));
      }),
      { numRuns: 200 },
    );
  });

  it('has no limb aliasing: [256, 0] ≠ [0, 1], and swapped attributes differ (C15)', () => {
    const at = (attributes: bigint[]): bigint => claimHash({ ...BASE, attributes });
    expect(at([256n, 0n, 0n, 0n, 0n, 0n, 0n, 0n])).not.toBe(at([0n, 1n, 0n, 0n, 0n, 0n, 0n, 0n]));
    expect(at([2n ** 32n, 0n, 0n, 0n, 0n, 0n, 0n, 0n])).not.toBe(
      at([0n, 1n, 0n, 0n, 0n, 0n, 0n, 0n]),
    );
    expect(at([1n, 2n, 0n, 0n, 0n, 0n, 0n, 0n])).not.toBe(at([2n, 1n, 0n, 0n, 0n, 0n, 0n, 0n]));
    expect(at([0n, 0n, 0n, 0n, 0n, 0n, 0n, 1n])).not.toBe(at([1n, 0n, 0n, 0n, 0n, 0n, 0n, 0n]));
    // Moving a value between the header and the attributes changes the hash too.
    expect(
      claimHash({ ...BASE, credentialId: 3n, attributes: [5n, 276n, 2n, 0n, 0n, 0n, 0n, 0n] }),
    ).not.toBe(claimHash(BASE));
  });
});

describe('sparse arrays', () => {
  it('a claim with a hole in its attributes is refused by validation', () => {
    const attributes = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n];
    delete attributes[3];
    const claim = {
      schema: 1n,
      holderCommitment: 2n,
      credentialId: 3n,
      issuedAt: 10n,
      expiresAt: 20n,
      attributes,
    };
    expect(() => validateClaim(claim)).toThrow(
      expect.objectContaining({
        code: 'bad_encoding',
        message: expect.stringMatching(/attribute 3/),
      }),
    );
  });
});
