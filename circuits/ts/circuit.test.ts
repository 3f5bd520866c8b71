/**
 * The main circuit (CredentialQuery) check by check: a valid witness exists, and for every
 * check a witness request in which only that check is violated fails in exactly that
 * constraint (the witness calculator names the failing template and line). Also pins the
 * constraint count and public-signal count, and the static properties C03 and C11.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ageFixture,
  DAY,
  issuerKeyFixture,
  NOW,
  requestFor,
} from '../../test/fixtures/credentials.js';
import { buildBabyjub } from 'circomlibjs';
import { compileCircuit } from './build.js';
import {
  type CircuitInput,
  MAX_TIME,
  SNARK_FIELD_SIZE,
  SUBGROUP_ORDER,
  ZkError,
  artifactPath,
  buildWitnessInput,
  calculateWitnessValues,
  claimFields,
  computeNullifier,
  encodeDate,
  encodeProofTime,
  issuerKeyHash,
  poseidon,
  queryHash,
  readR1csFile,
  signMessage,
} from './index.js';

const SRC = readFileSync('circuits/src/credential_query.circom', 'utf8').split('\n');
const REV_SRC = readFileSync('circuits/src/revocation.circom', 'utf8').split('\n');
/** 1-based line of the first source line containing `text` (so tests survive edits). */
const lineOf = (src: string[], text: string): number => {
  const i = src.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`not in source: ${text}`);
  return i + 1;
};
const EDDSA_SRC = readFileSync(
  'node_modules/circomlib/circuits/eddsaposeidon.circom',
  'utf8',
).split('\n');
/** A failure inside circomlib's EdDSAPoseidonVerifier at the line containing `text`. */
const inEddsa = (text: string): RegExp =>
  new RegExp(
    `EdDSAPoseidonVerifier line ${lineOf(EDDSA_SRC, text)} < CredentialQuery line \\d+\\)`,
  );
const at = (text: string): RegExp => new RegExp(`CredentialQuery line ${lineOf(SRC, text)}\\)`);
const inRevocation = (text: string): RegExp =>
  new RegExp(`NotRevoked line ${lineOf(REV_SRC, text)} < CredentialQuery line \\d+\\)`);

const PRED_SRC = readFileSync('circuits/src/predicate.circom', 'utf8').split('\n');
/** The packed time signal of a unix time (date · 2^40 + unix). */
const pt = (unix: bigint): string => String(encodeProofTime(unix));

const f = ageFixture();
const good = buildWitnessInput(requestFor(f));

async function run(input: CircuitInput): Promise<string> {
  try {
    await calculateWitnessValues(input);
    return 'ok';
  } catch (err) {
    if (err instanceof ZkError && err.code === 'witness_failed') return err.message;
    throw err;
  }
}

/** Re-signs arbitrary claim fields (bypassing TS validation) and returns the input. */
function signed(fields: bigint[], over: Partial<CircuitInput> = {}): CircuitInput {
  const sig = signMessage(f.issuerPrivateKey, poseidon(fields));
  return {
    ...good,
    schema: String(fields[0]),
    credentialId: String(fields[2]),
    issuedAt: String(fields[3]),
    expiresAt: String(fields[4]),
    attrs: fields.slice(5).map(String),
    sigS: String(sig.S),
    sigR8x: String(sig.R8[0]),
    sigR8y: String(sig.R8[1]),
    ...over,
  };
}
const fields = claimFields(f.claim);
const withField = (i: number, v: bigint): bigint[] => fields.map((x, j) => (j === i ? v : x));

describe('CredentialQuery: shape', () => {
  it('has exactly 13,540 constraints and 7 public signals (regression gate)', () => {
    const r1cs = readR1csFile(artifactPath('r1cs'));
    expect(r1cs.constraints.length).toBe(13540);
    expect(r1cs.nOutputs + r1cs.nPubInputs).toBe(7);
    expect(r1cs.constraints.length).toBeLessThanOrEqual(16000);
  });

  it('C11: the EdDSA `enabled` input is the constant 1, not a witness wire', () => {
    const sym = readFileSync(artifactPath('sym'), 'utf8').split('\n');
    const enabled = sym.filter((l) => /\.sig(\.eqCheck[XY])?\.enabled$/.test(l));
    expect(enabled.length).toBe(3);
    // witness index -1: the optimiser replaced the signal by its constant value
    for (const l of enabled) expect(l.split(',')[1]).toBe('-1');
    expect(SRC.some((l) => /sig\.enabled <== 1;/.test(l))).toBe(true);
  });

  it('C03: a comparator with n > 252 does not compile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zkrep-c03-'));
    try {
      const src = join(dir, 'too_wide.circom');
      writeFileSync(
        src,
        'pragma circom 2.1.6;\ninclude "circomlib/circuits/comparators.circom";\n' +
          'component main = LessThan(253);\n',
      );
      expect(() => compileCircuit(dir, src)).toThrow(/circom2 failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CredentialQuery: a valid witness', () => {
  it('exists and its outputs match the TS core', async () => {
    const w = await calculateWitnessValues(good);
    expect(w.slice(1, 8)).toEqual([
      computeNullifier(f.secret, 4242n),
      issuerKeyHash(f.issuerPublicKey),
      queryHash(f.query),
      f.tree.root,
      encodeProofTime(NOW),
      4242n,
      999n,
    ]);
  });

  it('accepts the boundaries time = issuedAt and time = expiresAt − 1', async () => {
    expect(await run({ ...good, time: pt(f.claim.issuedAt) })).toBe('ok');
    expect(await run({ ...good, time: pt(f.claim.expiresAt - 1n) })).toBe('ok');
  });
});

describe('CredentialQuery: each check fails alone', () => {
  it('holder secret ≥ l (secret + l over a commitment the issuer signed) fails secret < l (C09)', async () => {
    const smallSecret = 5n;
    const lifted = smallSecret + SUBGROUP_ORDER; // < 2^251: passes Num2Bits, fails LessThan
    const input = signed(withField(1, poseidon([lifted])), { secret: String(lifted) });
    expect(await run(input)).toMatch(at('secretInRange === 1'));
  });

  it('holder secret ≥ 2^251 fails its range check', async () => {
    const big = (1n << 251n) + 5n;
    const input = signed(withField(1, poseidon([big])), { secret: String(big) });
    expect(await run(input)).toMatch(/Num2Bits line \d+ < CredentialQuery line \d+\)/);
    expect(await run(input)).toMatch(at('Num2Bits(251)(secret)'));
  });

  it("another holder's secret does not match the signed commitment", async () => {
    const other = ageFixture({ holderSeed: 8 });
    expect(await run({ ...good, secret: String(other.secret) })).toMatch(/EdDSAPoseidonVerifier/);
  });

  it('a changed attribute breaks the issuer signature', async () => {
    const attrs = [...good.attrs!] as string[];
    attrs[0] = String(encodeDate('1950-01-01'));
    expect(await run({ ...good, attrs })).toMatch(/EdDSAPoseidonVerifier/);
  });

  it('a signature by another issuer key fails', async () => {
    const other = issuerKeyFixture(3);
    const sig = signMessage(other.privateKey, poseidon(fields));
    const input = {
      ...good,
      sigS: String(sig.S),
      sigR8x: String(sig.R8[0]),
      sigR8y: String(sig.R8[1]),
    };
    expect(await run(input)).toMatch(/ForceEqualIfEnabled line \d+ < EdDSAPoseidonVerifier/);
  });

  it('C10: S + l (same point, non-canonical scalar) fails the S < l check', async () => {
    const input = { ...good, sigS: String(BigInt(good.sigS as string) + SUBGROUP_ORDER) };
    expect(await run(input)).toMatch(inEddsa('compConstant.out*enabled === 0'));
  });

  it('a low-order issuer key (8·A = O, which would accept any message) fails the A ≠ O check', async () => {
    // With A of order 2, S·B8 = R8 + 8·h·A = R8 holds for R8 = S·B8 and ANY message: only the
    // circuit's "8·A is not the identity" check stands between this and a forged credential.
    const babyJub = await buildBabyjub();
    const S = 123456789n;
    const R8 = babyJub.mulPointEscalar(babyJub.Base8, S).map((c) => babyJub.F.toObject(c));
    const input = {
      ...good,
      issuerAx: '0',
      issuerAy: String(SNARK_FIELD_SIZE - 1n), // (0, −1): the point of order 2
      sigS: String(S),
      sigR8x: String(R8[0]),
      sigR8y: String(R8[1]),
    };
    expect(await run(input)).toMatch(inEddsa('isZero.out*enabled === 0'));
  });

  it('a credential issued in the future fails issuedAt ≤ time', async () => {
    expect(await run({ ...good, time: pt(f.claim.issuedAt - 1n) })).toMatch(at('notFuture === 1'));
  });

  it('an expired credential fails time < expiresAt (also exactly at expiresAt)', async () => {
    expect(await run({ ...good, time: pt(f.claim.expiresAt) })).toMatch(at('notExpired === 1'));
    expect(await run({ ...good, time: pt(f.claim.expiresAt + DAY) })).toMatch(
      at('notExpired === 1'),
    );
  });

  it('C04/C05: a time signal ≥ 2^67 or of r − k fails its range check', async () => {
    const inUnpack = new RegExp(
      `Num2Bits line \\d+ < UnpackTime line ${lineOf(PRED_SRC, 'Num2Bits(timeBits + dateBits)(time)')} < CredentialQuery line ${lineOf(SRC, 'UnpackTime(TIME_BITS, DATE_BITS)(time)')}\\)`,
    );
    expect(await run({ ...good, time: String(1n << 67n) })).toMatch(inUnpack);
    expect(await run({ ...good, time: String(SNARK_FIELD_SIZE - 1n) })).toMatch(inUnpack);
  });

  it('the validity window uses the seconds of the time signal, not its date', async () => {
    // Seconds just past expiry with the date of an earlier day still fail notExpired.
    const late = (20260101n << 40n) | f.claim.expiresAt;
    expect(await run({ ...good, time: String(late) })).toMatch(at('notExpired === 1'));
  });

  it('C04/C05: an aliased expiry (r − 1, "never expires" after wrapping) fails its range check', async () => {
    const input = signed(withField(4, SNARK_FIELD_SIZE - 1n));
    expect(await run(input)).toMatch(at('Num2Bits(TIME_BITS)(expiresAt)'));
  });

  it('an issuedAt ≥ 2^40 fails its range check', async () => {
    const input = signed(withField(3, MAX_TIME + 1n));
    expect(await run(input)).toMatch(at('Num2Bits(TIME_BITS)(issuedAt)'));
  });

  it('C14: a revoked credential cannot use its neighbour’s non-membership path', async () => {
    const input = signed(withField(2, 3n), {
      revSiblings: f.tree.nonMembershipProof(2n).map(String),
      schema: good.schema,
    });
    expect(f.tree.isRevoked(3n)).toBe(true); // precondition: the fixture tree revokes 3
    expect(await run(input)).toMatch(inRevocation('root === node[depth]'));
  });

  it('C13: a wrong or zero revocation root fails', async () => {
    expect(await run({ ...good, revocationRoot: '0' })).toMatch(
      inRevocation('root === node[depth]'),
    );
    expect(await run({ ...good, revocationRoot: String(f.tree.root + 1n) })).toMatch(
      inRevocation('root === node[depth]'),
    );
  });

  it('a tampered sibling fails', async () => {
    const sib = [...(good.revSiblings as string[])];
    sib[7] = String(BigInt(sib[7]!) + 1n);
    expect(await run({ ...good, revSiblings: sib })).toMatch(inRevocation('root === node[depth]'));
  });

  it('C04: a credential id ≥ 2^24 (outside the tree) fails the path decomposition', async () => {
    const id = (1n << 24n) + 5n; // same low 24 bits as id 5
    const input = signed(withField(2, id));
    expect(await run(input)).toMatch(inRevocation('Num2Bits(depth)(id)'));
  });

  it('an unsatisfied predicate (holder is 17) fails in Predicate', async () => {
    const input = signed(withField(5, encodeDate('2009-01-01')));
    expect(NOW).toBeLessThan(BigInt(Date.UTC(2027, 0, 1) / 1000)); // so the holder is 17
    expect(await run(input)).toMatch(/Predicate line \d+ < CredentialQuery/);
  });

  it('a predicate over a slot ≥ 8 fails in OneHot', async () => {
    const predSlot = [...(good.predSlot as string[])];
    predSlot[1] = '8';
    expect(await run({ ...good, predSlot })).toMatch(/OneHot line \d+ < Predicate/);
  });
});
