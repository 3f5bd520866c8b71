/**
 * Real Groth16 proofs: prove, verify strictly, and refuse every tampered or malformed
 * proof or public signal (C07, K01, K04, A04, A05), and the outside-the-circuit checks
 * (C12, C16/C17, K06, K15, K16) with one failing at a time.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ageFixture, NOW, requestFor, reputationFixture } from '../../test/fixtures/credentials.js';
import {
  BASE_FIELD_SIZE,
  type Groth16Proof,
  type ProofResult,
  PUBLIC_SIGNAL_NAMES,
  SNARK_FIELD_SIZE,
  type SignalExpectations,
  buildWitnessInput,
  checkPublicSignals,
  decodeProofTime,
  encodeProofTime,
  computeNullifier,
  issuerKeyHash,
  loadVerificationKey,
  parsePublicSignals,
  prove,
  queryHash,
  shutdownZk,
  verify,
} from './index.js';

const age = ageFixture();
let good: ProofResult;

beforeAll(async () => {
  good = await prove(buildWitnessInput(requestFor(age)));
});
afterAll(async () => {
  await shutdownZk();
});

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('prove and verify', () => {
  it('a valid proof verifies and its public signals are the expected values', async () => {
    const res = await verify(good.proof, good.publicSignals);
    expect(res).toEqual({
      verified: true,
      signals: {
        nullifier: computeNullifier(age.secret, 4242n),
        issuerKeyHash: issuerKeyHash(age.issuerPublicKey),
        queryHash: queryHash(age.query),
        revocationRoot: age.tree.root,
        time: encodeProofTime(NOW),
        scope: 4242n,
        signalHash: 999n,
      },
    });
  });

  it('a reputation proof (score ≥ 80, trades ≥ 10, disputes ≤ 5 %, role = seller) verifies', async () => {
    const rep = reputationFixture();
    const p = await prove(buildWitnessInput(requestFor(rep)));
    expect((await verify(p.proof, p.publicSignals)).verified).toBe(true);
    expect(p.publicSignals[2]).toBe(String(queryHash(rep.query)));
  });

  it('C07: changing any one public signal makes verification fail', async () => {
    for (let i = 0; i < PUBLIC_SIGNAL_NAMES.length; i++) {
      const signals = [...good.publicSignals];
      signals[i] = String((BigInt(signals[i]!) + 1n) % SNARK_FIELD_SIZE);
      const res = await verify(good.proof, signals);
      expect([PUBLIC_SIGNAL_NAMES[i], res.verified]).toEqual([PUBLIC_SIGNAL_NAMES[i], false]);
      if (!res.verified) expect(res.code).toBe('proof_invalid');
    }
  });

  it('C07 (static): no verification-key IC point is the identity', () => {
    const vk = loadVerificationKey() as { IC: string[][]; nPublic: number };
    expect(vk.nPublic).toBe(7);
    expect(vk.IC.length).toBe(8);
    for (const p of vk.IC) expect(p[2] === '0' || (p[0] === '0' && p[1] === '1')).toBe(false);
  });

  it('K01: a public signal x + r (same value mod r) is refused before the pairing', async () => {
    for (let i = 0; i < 7; i++) {
      const signals = [...good.publicSignals];
      signals[i] = String(BigInt(signals[i]!) + SNARK_FIELD_SIZE);
      const res = await verify(good.proof, signals);
      expect(res.verified ? 'accepted' : res.code).toBe('bad_public_signals');
    }
  });

  it('A04/A05: malformed public-signal arrays are refused', async () => {
    const s = good.publicSignals;
    const bad: unknown[] = [
      s.slice(0, 6),
      [...s, '0'],
      [],
      'not an array',
      { length: 7, 0: s[0] },
      s.map((x, i) => (i === 4 ? ' ' + x + ' ' : x)),
      s.map((x, i) => (i === 4 ? '0x' + BigInt(x).toString(16) : x)),
      s.map((x, i) => (i === 5 ? '-1' : x)),
      s.map((x, i) => (i === 5 ? '4.242e3' : x)),
      s.map((x, i) => (i === 5 ? '' : x)),
      s.map((x, i) => (i === 5 ? '04242' : x)),
      s.map((x, i) => (i === 5 ? 4242 : x)),
    ];
    for (const signals of bad) {
      const res = await verify(good.proof, signals);
      expect(res.verified ? 'accepted' : res.code).toBe('bad_public_signals');
    }
  });

  it('K04: a non-canonical coordinate (A.x + q) is refused although snarkjs alone accepts it', async () => {
    const p = clone(good.proof);
    p.pi_a[0] = String(BigInt(p.pi_a[0]) + BASE_FIELD_SIZE);
    const res = await verify(p, good.publicSignals);
    expect(res.verified ? 'accepted' : res.code).toBe('bad_proof_encoding');
  });

  it('malformed proofs are results, not exceptions', async () => {
    const mutate = (fn: (p: Groth16Proof) => void): Groth16Proof => {
      const p = clone(good.proof);
      fn(p);
      return p;
    };
    const bad: unknown[] = [
      null,
      'proof',
      {},
      mutate((p) => (p.pi_a = ['1', '3', '1'])), // off the curve ((1, 2) is the generator)
      mutate((p) => (p.pi_a[2] = '0')), // point at infinity encoding
      mutate((p) => (p.pi_c = ['1', '2'] as unknown as Groth16Proof['pi_c'])),
      mutate((p) => (p.pi_b[0] = ['1', '2'])), // off the twist
      mutate((p) => (p.pi_b[2] = ['0', '0'])),
      mutate((p) => (p.pi_c[1] = '-' + p.pi_c[1])),
      mutate((p) => ((p as { protocol: string }).protocol = 'plonk')),
    ];
    for (const proof of bad) {
      const res = await verify(proof, good.publicSignals);
      expect(res.verified ? 'accepted' : res.code).toBe('bad_proof_encoding');
    }
  });

  it('a B on the twist but outside the order-r subgroup is refused (snarkjs does not check)', async () => {
    const p = clone(good.proof);
    // (2 + u, y): on the twist y² = x³ + 3/(9 + u), found by search; r·B ≠ O.
    p.pi_b = [
      ['2', '1'],
      [
        '7292567877523311580221095596750716176434782432868683424513645834767876293070',
        '19659275751359636165940301690575149581329631496732780143538578556285923319774',
      ],
      ['1', '0'],
    ];
    const res = await verify(p, good.publicSignals);
    expect(res).toEqual({
      verified: false,
      code: 'bad_proof_encoding',
      message: 'pi_b is not in the G2 subgroup',
    });
  });

  it('a swapped but well-formed proof (A and C exchanged) fails the pairing check', async () => {
    const p = clone(good.proof);
    [p.pi_a, p.pi_c] = [p.pi_c, p.pi_a];
    const res = await verify(p, good.publicSignals);
    expect(res.verified ? 'accepted' : res.code).toBe('proof_invalid');
  });

  it('a process that proves and verifies exits on its own (no dangling workers)', () => {
    const require = createRequire(import.meta.url);
    const out = execFileSync(
      process.execPath,
      [require.resolve('tsx/cli'), 'circuits/scripts/selfcheck.ts'],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(out).toMatch(/zk:selfcheck: ok/);
  });
});

describe('checks outside the circuit (each failing alone)', () => {
  const s = () => parsePublicSignals(good.publicSignals);
  const expectations = (): SignalExpectations => ({
    scope: 4242n,
    queryHash: queryHash(age.query),
    signalHash: 999n,
    trustedIssuers: new Set([issuerKeyHash(age.issuerPublicKey)]),
    rootAccepted: (issuer, root) =>
      issuer === issuerKeyHash(age.issuerPublicKey) && root === age.tree.root,
    now: NOW,
    maxProofAge: 600n,
  });

  it('accepts the honest request', () => {
    expect(checkPublicSignals(s(), expectations())).toEqual({ ok: true });
  });

  const cases: Array<[string, (e: SignalExpectations) => SignalExpectations, string]> = [
    ['K06 scope of another verifier or gate', (e) => ({ ...e, scope: 1n }), 'scope_mismatch'],
    [
      'K16 policy with another query (threshold chosen by prover)',
      (e) => ({ ...e, queryHash: 5n }),
      'query_mismatch',
    ],
    [
      'K05 proof bound to another account/request',
      (e) => ({ ...e, signalHash: 1000n }),
      'signal_mismatch',
    ],
    [
      'C12 self-made issuer key (not trusted)',
      (e) => ({ ...e, trustedIssuers: new Set([7n]) }),
      'issuer_untrusted',
    ],
    [
      'K09 empty issuer allow-list denies all',
      (e) => ({ ...e, trustedIssuers: new Set<bigint>() }),
      'issuer_untrusted',
    ],
    [
      'K07 unknown or expired revocation root',
      (e) => ({ ...e, rootAccepted: () => false }),
      'root_unknown',
    ],
    [
      'K15 proof time more than 5 min ahead',
      (e) => ({ ...e, now: NOW - 301n }),
      'proof_from_future',
    ],
    ['K15 proof older than the maximum age', (e) => ({ ...e, now: NOW + 601n }), 'proof_too_old'],
  ];
  it.each(cases)('%s', (_label, change, code) => {
    const res = checkPublicSignals(s(), change(expectations()));
    expect(res.ok ? 'ok' : res.code).toBe(code);
  });

  it('boundaries: exactly 300 s ahead and exactly maxProofAge old are accepted', () => {
    expect(checkPublicSignals(s(), { ...expectations(), now: NOW - 300n }).ok).toBe(true);
    expect(checkPublicSignals(s(), { ...expectations(), now: NOW + 600n }).ok).toBe(true);
  });

  it('the time signal must carry the UTC date of its seconds (proof_date_mismatch)', () => {
    const { unix, date } = decodeProofTime(s().time);
    const withDate = (d: bigint): bigint => (d << 40n) | unix;
    expect(checkPublicSignals(s(), expectations()).ok).toBe(true);
    for (const forged of [
      withDate(BigInt(date) + 1n), // a later date: would make the holder older
      withDate(BigInt(date) + 10000n), // a year later
      withDate(BigInt(date) - 1n),
      unix, // no date at all (an old-style time)
      1n << 67n, // beyond the 67 bits the circuit decomposes
    ]) {
      const res = checkPublicSignals({ ...s(), time: forged }, expectations());
      expect(res.ok ? 'ok' : res.code).toBe('proof_date_mismatch');
    }
  });

  it('a proof may not carry a later UTC date than the verifier, even within the clock skew', () => {
    const midnight = BigInt(Date.UTC(2026, 11, 1) / 1000); // 2026-12-01T00:00:00Z
    const at = (t: bigint) => ({ ...s(), time: encodeProofTime(t) });
    const e = { ...expectations(), maxProofAge: 3600n };
    // Made 30 s after midnight, checked 10 s before it: within 300 s, but tomorrow's date.
    const early = checkPublicSignals(at(midnight + 30n), { ...e, now: midnight - 10n });
    expect(early.ok ? 'ok' : early.code).toBe('proof_from_future');
    // The same skew within one day is accepted; an older date is accepted.
    expect(checkPublicSignals(at(midnight + 30n), { ...e, now: midnight + 10n }).ok).toBe(true);
    expect(checkPublicSignals(at(midnight - 10n), { ...e, now: midnight + 30n }).ok).toBe(true);
  });

  it('C17: a nullifier of 0 is refused', () => {
    expect(checkPublicSignals({ ...s(), nullifier: 0n }, expectations())).toMatchObject({
      ok: false,
      code: 'nullifier_zero',
    });
  });
});
