/**
 * signals.ts: public-signal order (checked against the compiled circuit's symbol file),
 * strict parsing (A04, A05), and the scope / signal-hash helpers, whose ABI encodings are
 * rebuilt here byte by byte (not with encodeAbiParameters) so that they match what Solidity's
 * abi.encode produces; the request digest and the v2 request signal hash are also recomputed
 * with viem's encodeAbiParameters, as a regulator's checker would.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expectZkError } from '../../test/helpers/expect.js';
import { encodeAbiParameters, getAddress, keccak256, type Address, type Hex } from 'viem';
import { artifactPath, readLock } from './artifacts.js';
import { ZK_ERROR } from './errors.js';
import { SNARK_FIELD_SIZE } from './field.js';
import {
  PUBLIC_SIGNAL_COUNT,
  PUBLIC_SIGNAL_NAMES,
  type PublicSignals,
  SIGNAL_INDEX,
  formatPublicSignals,
  gateScope,
  gateSignalHash,
  parsePublicSignals,
  requestContext,
  requestDigest,
  requestSignalHash,
  requestSignalHashOf,
  verifierScope,
} from './signals.js';

const r = SNARK_FIELD_SIZE;

// ---- manual ABI encoding (Solidity abi.encode of static words and strings) ----

const word = (x: bigint): string => x.toString(16).padStart(64, '0');
const addrWord = (a: Address): string => a.slice(2).toLowerCase().padStart(64, '0');
const bytes32Word = (h: Hex): string => h.slice(2).toLowerCase();
function stringTail(s: string): string {
  const hex = Buffer.from(s, 'utf8').toString('hex');
  const padded = hex.padEnd(Math.ceil(hex.length / 64) * 64, '0');
  return word(BigInt(hex.length / 2)) + padded;
}
const hashWords = (...words: string[]): bigint => BigInt(keccak256(`0x${words.join('')}`)) >> 8n;

const hexArb = (bytes: number): fc.Arbitrary<Hex> =>
  fc
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .map((b) => `0x${Buffer.from(b).toString('hex')}` as Hex);
const addressArb = hexArb(20) as fc.Arbitrary<Address>;
const bytes32Arb = hexArb(32);
const uint256Arb = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  fc.bigInt({ min: 0n, max: 100_000n }),
);

const GATE: Address = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
const SENDER: Address = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
/** SENDER in mixed case with one letter's case flipped: not its EIP-55 checksum. */
const BAD_CHECKSUM: Address = '0x70997970c51812dc3A010C7d01b50e0d17dc79C8';
const ZERO32: Hex = `0x${'00'.repeat(32)}`;
const ONE32: Hex = `0x${'00'.repeat(31)}01`;

describe('public signal order', () => {
  it('names 7 signals: outputs, then public inputs', () => {
    expect(PUBLIC_SIGNAL_NAMES).toEqual([
      'nullifier',
      'issuerKeyHash',
      'queryHash',
      'revocationRoot',
      'time',
      'scope',
      'signalHash',
    ]);
    expect(PUBLIC_SIGNAL_COUNT).toBe(7);
    expect(SIGNAL_INDEX).toEqual({
      nullifier: 0,
      issuerKeyHash: 1,
      queryHash: 2,
      revocationRoot: 3,
      time: 4,
      scope: 5,
      signalHash: 6,
    });
  });

  it('matches the compiled circuit: witness wires 1..7 in main.sym, and the lock count', () => {
    const byWire = new Map<number, string>();
    for (const line of readFileSync(artifactPath('sym'), 'utf8').split('\n')) {
      const [, wire, , name] = line.split(',');
      if (name?.startsWith('main.') && !name.slice(5).includes('.'))
        byWire.set(Number(wire), name.slice(5));
    }
    const publicWires = PUBLIC_SIGNAL_NAMES.map((_, i) => byWire.get(i + 1));
    expect(publicWires).toEqual([...PUBLIC_SIGNAL_NAMES]);
    for (const name of PUBLIC_SIGNAL_NAMES) expect(byWire.get(SIGNAL_INDEX[name] + 1)).toBe(name);
    expect(readLock().publicSignals).toBe(PUBLIC_SIGNAL_COUNT);
  });
});

describe('parsePublicSignals / formatPublicSignals', () => {
  const valid = ['1', '2', '3', '4', '1790000000', (r - 1n).toString(), '0'];

  it('names each signal by its index', () => {
    const s = parsePublicSignals(valid);
    expect(s).toEqual({
      nullifier: 1n,
      issuerKeyHash: 2n,
      queryHash: 3n,
      revocationRoot: 4n,
      time: 1790000000n,
      scope: r - 1n,
      signalHash: 0n,
    });
    expect(formatPublicSignals(s)).toEqual(valid);
  });

  it('refuses arrays of the wrong length and non-arrays with bad_encoding (A05)', () => {
    for (const bad of [
      valid.slice(0, 6),
      [...valid, '0'],
      [],
      { ...valid, length: 7 },
      valid.join(','),
      null,
      undefined,
    ] as unknown[]) {
      expectZkError(() => parsePublicSignals(bad), ZK_ERROR.badEncoding);
    }
  });

  it('refuses every non-canonical element at every position with bad_encoding (A04)', () => {
    const bad: unknown[] = [
      '',
      ' 12 ',
      '0x1',
      '-1',
      '1e3',
      '01',
      r.toString(),
      12,
      2 ** 60,
      12n,
      null,
      {},
    ];
    for (let i = 0; i < PUBLIC_SIGNAL_COUNT; i++) {
      for (const b of bad) {
        const signals: unknown[] = [...valid];
        signals[i] = b;
        expectZkError(() => parsePublicSignals(signals), ZK_ERROR.badEncoding);
      }
    }
    // A hole in the array is refused too.
    const sparse: unknown[] = [...valid];
    delete sparse[3];
    expectZkError(() => parsePublicSignals(sparse), ZK_ERROR.badEncoding);
  });

  it('round-trips any 7 field elements (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: r - 1n }), { minLength: 7, maxLength: 7 }),
        (xs) => {
          const strings = xs.map(String);
          const parsed = parsePublicSignals(strings);
          PUBLIC_SIGNAL_NAMES.forEach((n, i) => expect(parsed[n]).toBe(xs[i]));
          expect(formatPublicSignals(parsed as PublicSignals)).toEqual(strings);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('gateScope', () => {
  it('equals keccak256(abi.encode(uint256 chainId, address gate, uint256 policyId)) >> 8 (property)', () => {
    fc.assert(
      fc.property(uint256Arb, addressArb, uint256Arb, (chainId, gate, policyId) => {
        const s = gateScope(chainId, gate, policyId);
        expect(s).toBe(hashWords(word(chainId), addrWord(gate), word(policyId)));
        expect(s >= 0n && s < r && s < 2n ** 248n).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic, accepts numbers or bigints and checksummed or lowercase addresses', () => {
    expect(gateScope(31337, GATE, 1)).toBe(gateScope(31337n, GATE, 1n));
    expect(gateScope(31337n, getAddress(GATE), 1n)).toBe(gateScope(31337n, GATE, 1n));
  });

  it('changes with the chain, the gate and the policy (property)', () => {
    fc.assert(
      fc.property(
        uint256Arb,
        addressArb,
        addressArb,
        uint256Arb,
        (chainId, gate, gate2, policyId) => {
          const base = gateScope(chainId, gate, policyId);
          expect(gateScope(chainId ^ 1n, gate, policyId)).not.toBe(base);
          expect(gateScope(chainId, gate, policyId ^ 1n)).not.toBe(base);
          if (gate2 !== gate) expect(gateScope(chainId, gate2, policyId)).not.toBe(base);
          // The chain id and policy id are not interchangeable.
          if (chainId !== policyId) expect(gateScope(policyId, gate, chainId)).not.toBe(base);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses malformed gates and out-of-range ids instead of hashing something else', () => {
    expect(() => gateScope(1n, '0x1234' as Address, 1n)).toThrow(
      expect.objectContaining({ code: 'bad_input' }),
    );
    expectZkError(() => gateScope(1n, BAD_CHECKSUM, 1n), ZK_ERROR.badInput);
    expect(() => gateScope(1n, GATE, -1n)).toThrow(expect.objectContaining({ code: 'bad_input' }));
    expect(() => gateScope(2n ** 256n, GATE, 1n)).toThrow(
      expect.objectContaining({ code: 'bad_input' }),
    );
  });
});

describe('verifierScope', () => {
  it('equals keccak256(abi.encode(string verifierId, string policyId)) >> 8 (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 80, unit: 'grapheme' }),
        fc.string({ minLength: 1, maxLength: 80 }),
        (vid, pid) => {
          const tailA = stringTail(vid);
          const offsetB = 64n + BigInt(tailA.length / 2);
          const expected = hashWords(word(64n), word(offsetB), tailA, stringTail(pid));
          const s = verifierScope(vid, pid);
          expect(s).toBe(expected);
          expect(s < r).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('changes with each argument and keeps the boundary between them', () => {
    const base = verifierScope('did:web:shop.example', 'age18');
    expect(verifierScope('did:web:shop.example', 'age18')).toBe(base);
    expect(verifierScope('did:web:shop.example', 'age21')).not.toBe(base);
    expect(verifierScope('did:web:bar.example', 'age18')).not.toBe(base);
    expect(verifierScope('age18', 'did:web:shop.example')).not.toBe(base);
    expect(verifierScope('ab', 'c')).not.toBe(verifierScope('a', 'bc'));
    expect(verifierScope('a'.repeat(32), 'b')).not.toBe(verifierScope('a'.repeat(31), 'ab'));
  });

  it('refuses an empty verifier id or policy id with bad_input', () => {
    expectZkError(() => verifierScope('', 'p'), ZK_ERROR.badInput);
    expectZkError(() => verifierScope('v', ''), ZK_ERROR.badInput);
  });
});

describe('gateSignalHash', () => {
  it('equals keccak256(abi.encode(address sender, bytes32 context)) >> 8 (property)', () => {
    fc.assert(
      fc.property(addressArb, bytes32Arb, (sender, context) => {
        const h = gateSignalHash(sender, context);
        expect(h).toBe(hashWords(addrWord(sender), bytes32Word(context)));
        expect(h < r).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('changes with the sender and the context (property)', () => {
    fc.assert(
      fc.property(addressArb, addressArb, bytes32Arb, bytes32Arb, (s1, s2, c1, c2) => {
        const base = gateSignalHash(s1, c1);
        expect(gateSignalHash(s1, c1)).toBe(base);
        if (s1 !== s2) expect(gateSignalHash(s2, c1)).not.toBe(base);
        if (c1 !== c2) expect(gateSignalHash(s1, c2)).not.toBe(base);
      }),
      { numRuns: 100 },
    );
    expect(gateSignalHash(SENDER, ZERO32)).not.toBe(gateSignalHash(SENDER, ONE32));
    expect(gateSignalHash(SENDER, ZERO32)).not.toBe(gateScope(0n, SENDER, 0n));
  });

  it('refuses a context that is not exactly 32 bytes', () => {
    expect(() => gateSignalHash(SENDER, '0x01')).toThrow(
      expect.objectContaining({ code: 'bad_input' }),
    );
    expect(() => gateSignalHash(SENDER, `0x${'00'.repeat(33)}`)).toThrow(
      expect.objectContaining({ code: 'bad_input' }),
    );
  });
});

describe('requestContext', () => {
  it('equals keccak256(abi.encode(bytes32, bytes32)) (property), unreduced', () => {
    fc.assert(
      fc.property(bytes32Arb, bytes32Arb, (challenge, receipt) => {
        const c = requestContext(challenge, receipt);
        expect(c).toBe(keccak256(`0x${bytes32Word(challenge)}${bytes32Word(receipt)}`));
        if (challenge !== receipt) expect(requestContext(receipt, challenge)).not.toBe(c);
      }),
      { numRuns: 200 },
    );
  });

  it('a gate proof for a request binds challenge, receipt and account through the context', () => {
    const ctx = requestContext(ONE32, `0x${'22'.repeat(32)}`);
    expect(gateSignalHash(SENDER, ctx)).toBe(hashWords(addrWord(SENDER), bytes32Word(ctx)));
    expect(gateSignalHash(SENDER, ctx)).not.toBe(
      gateSignalHash(SENDER, requestContext(ONE32, `0x${'23'.repeat(32)}`)),
    );
  });

  it('refuses values that are not exactly 32 bytes', () => {
    expect(() => requestContext('0x01', ONE32)).toThrow(
      expect.objectContaining({ code: 'bad_input' }),
    );
  });
});

describe('requestDigest', () => {
  it('equals keccak256(abi.encode(bytes32 challenge, address account)) (property), unreduced', () => {
    fc.assert(
      fc.property(bytes32Arb, addressArb, (challenge, account) => {
        const d = requestDigest(challenge, account);
        expect(d).toBe(keccak256(`0x${bytes32Word(challenge)}${addrWord(account)}`));
        expect(d).toBe(
          keccak256(
            encodeAbiParameters([{ type: 'bytes32' }, { type: 'address' }], [challenge, account]),
          ),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('changes with the challenge and the account (property), not with the spelling', () => {
    fc.assert(
      fc.property(
        bytes32Arb,
        bytes32Arb,
        addressArb,
        addressArb,
        (challenge, other, account, otherAccount) => {
          const base = requestDigest(challenge, account);
          if (other !== challenge) expect(requestDigest(other, account)).not.toBe(base);
          if (otherAccount !== account) {
            expect(requestDigest(challenge, otherAccount)).not.toBe(base);
          }
          expect(requestDigest(challenge, getAddress(account))).toBe(base);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses a challenge that is not 32 bytes and an account that is no address (bad_input)', () => {
    expectZkError(() => requestDigest('0x01', SENDER), ZK_ERROR.badInput);
    expectZkError(() => requestDigest(`0x${'00'.repeat(33)}`, SENDER), ZK_ERROR.badInput);
    expectZkError(() => requestDigest(ONE32, '0x1234' as Address), ZK_ERROR.badInput);
    expectZkError(() => requestDigest(ONE32, BAD_CHECKSUM), ZK_ERROR.badInput);
  });
});

describe('requestSignalHashOf', () => {
  it('equals keccak256(abi.encode(bytes32 receiptHash, bytes32 requestDigest)) >> 8 (property)', () => {
    fc.assert(
      fc.property(bytes32Arb, bytes32Arb, (receipt, digest) => {
        const h = requestSignalHashOf(receipt, digest);
        expect(h).toBe(hashWords(bytes32Word(receipt), bytes32Word(digest)));
        expect(h).toBe(
          BigInt(
            keccak256(
              encodeAbiParameters([{ type: 'bytes32' }, { type: 'bytes32' }], [receipt, digest]),
            ),
          ) >> 8n,
        );
        expect(h < r).toBe(true);
        if (receipt !== digest) expect(requestSignalHashOf(digest, receipt)).not.toBe(h);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a receipt hash or a digest that is not exactly 32 bytes (bad_input)', () => {
    expectZkError(() => requestSignalHashOf('0x01', ONE32), ZK_ERROR.badInput);
    expectZkError(() => requestSignalHashOf(ONE32, '0x'), ZK_ERROR.badInput);
  });
});

describe('requestSignalHash', () => {
  it('is requestSignalHashOf(receiptHash, requestDigest(challenge, account)) (property)', () => {
    fc.assert(
      fc.property(bytes32Arb, bytes32Arb, addressArb, (challenge, receipt, account) => {
        const h = requestSignalHash(challenge, receipt, account);
        expect(h).toBe(requestSignalHashOf(receipt, requestDigest(challenge, account)));
        // Recomputed without the functions under test: the v2 nesting, word by word.
        const digest = keccak256(`0x${bytes32Word(challenge)}${addrWord(account)}`);
        expect(h).toBe(hashWords(bytes32Word(receipt), bytes32Word(digest)));
        expect(h < r).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('changes with the challenge, the consent receipt and the account (property)', () => {
    fc.assert(
      fc.property(
        bytes32Arb,
        bytes32Arb,
        addressArb,
        bytes32Arb,
        addressArb,
        (challenge, receipt, account, other, otherAccount) => {
          const base = requestSignalHash(challenge, receipt, account);
          if (other !== challenge)
            expect(requestSignalHash(other, receipt, account)).not.toBe(base);
          if (other !== receipt)
            expect(requestSignalHash(challenge, other, account)).not.toBe(base);
          if (otherAccount !== account) {
            expect(requestSignalHash(challenge, receipt, otherAccount)).not.toBe(base);
          }
          if (challenge !== receipt)
            expect(requestSignalHash(receipt, challenge, account)).not.toBe(base);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses challenges, receipts and accounts that are malformed (bad_input)', () => {
    expectZkError(() => requestSignalHash('0x01', ONE32, SENDER), ZK_ERROR.badInput);
    expectZkError(() => requestSignalHash(ONE32, '0x', SENDER), ZK_ERROR.badInput);
    expectZkError(() => requestSignalHash(ONE32, ONE32, BAD_CHECKSUM), ZK_ERROR.badInput);
  });
});
