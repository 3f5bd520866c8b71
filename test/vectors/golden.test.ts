/**
 * Golden vectors (C19): published circomlib Poseidon/EdDSA vectors, and this project's own
 * pinned encodings and hashes, checked against the TS core and against the circuit, so the
 * TS side, the circuit and library upgrades cannot drift apart unnoticed.
 */
import { readFileSync } from 'node:fs';
import * as zk from '#zk';
import { encodeAbiParameters, keccak256, type Address, type Hex } from 'viem';
import { ageFixture, requestFor } from '../fixtures/credentials.js';

const golden = JSON.parse(readFileSync(new URL('./golden.json', import.meta.url), 'utf8'));
const big = (x: string): bigint => BigInt(x);
const f = ageFixture();

describe('golden vectors: published circomlib vectors', () => {
  it('Poseidon([1, 2]) and Poseidon([1, 2, 3, 4])', () => {
    expect(zk.poseidon([1n, 2n])).toBe(big(golden.external.poseidon_1_2));
    expect(zk.poseidon([1n, 2n, 3n, 4n])).toBe(big(golden.external.poseidon_1_2_3_4));
  });

  it('EdDSA-Poseidon key and signature', () => {
    const e = golden.external.eddsa;
    const prv = Uint8Array.from(Buffer.from(e.privateKey, 'hex'));
    const msg = BigInt('0x' + Buffer.from(e.messageLE, 'hex').reverse().toString('hex'));
    expect(zk.issuerPublicKey(prv).map(String)).toEqual(e.publicKey);
    const sig = zk.signMessage(prv, msg);
    expect(sig.R8.map(String)).toEqual(e.R8);
    expect(String(sig.S)).toBe(e.S);
    expect(zk.verifySignature(msg, sig, zk.issuerPublicKey(prv))).toBe(true);
  });
});

describe('golden vectors: zkrep encodings and hashes', () => {
  it('encodings', () => {
    const g = golden.encodings;
    expect(String(zk.encodeDate('1800-01-01'))).toBe(g.date_1800_01_01);
    expect(String(zk.encodeDate('1960-05-04'))).toBe(g.date_1960_05_04);
    expect(String(zk.encodeDate('2000-02-29'))).toBe(g.date_2000_02_29);
    expect(String(zk.encodeProofTime(1_790_000_000n))).toBe(g.proofTime_1790000000);
    expect(String(zk.schemaId('zkrep.age.v1'))).toBe(g.schema_age_v1);
    expect(String(zk.schemaId('zkrep.reputation.v1'))).toBe(g.schema_reputation_v1);
  });

  it('revocation tree', () => {
    expect(String(zk.ZERO_HASHES[1])).toBe(golden.revocation.zeroHash1);
    expect(String(zk.EMPTY_REVOCATION_ROOT)).toBe(golden.revocation.emptyRoot);
    expect(String(f.tree.root)).toBe(golden.revocation.rootRevoked_3_1000);
  });

  it('keys, claim, signature, query, nullifier, scope and signal hash', () => {
    const g = golden.fixture;
    expect(String(f.secret)).toBe(g.holderSecret);
    expect(String(zk.holderCommitment(f.secret))).toBe(g.holderCommitment);
    expect(f.issuerPublicKey.map(String)).toEqual(g.issuerPublicKey);
    expect(String(zk.issuerKeyHash(f.issuerPublicKey))).toBe(g.issuerKeyHash);
    expect(zk.claimFields(f.claim).map(String)).toEqual(g.claimFields);
    expect(String(zk.claimHash(f.claim))).toBe(g.claimHash);
    expect({ R8: f.signature.R8.map(String), S: String(f.signature.S) }).toEqual(g.signature);
    expect(zk.queryFields(f.query).map(String)).toEqual(g.queryFields);
    expect(String(zk.queryHash(f.query))).toBe(g.queryHash);
    expect(String(zk.computeNullifier(f.secret, 4242n))).toBe(g.nullifier_scope_4242);
    expect(String(zk.gateScope(31337, '0x0000000000000000000000000000000000000001', 1))).toBe(
      g.gateScope_31337_gate1_policy1,
    );
    expect(
      String(
        zk.gateSignalHash('0x0000000000000000000000000000000000000002', `0x${'00'.repeat(32)}`),
      ),
    ).toBe(g.gateSignalHash_sender2_ctx0);
  });

  it('the v2 off-chain request binding: request digest and signal hash', () => {
    const g = golden.fixture;
    const challenge: Hex = `0x${'ab'.repeat(32)}`;
    const receiptHash: Hex = `0x${'cd'.repeat(32)}`;
    const account: Address = '0x0000000000000000000000000000000000000002';
    // Recomputed here with viem alone, as a regulator's checker would.
    const digest = keccak256(
      encodeAbiParameters([{ type: 'bytes32' }, { type: 'address' }], [challenge, account]),
    );
    const signal =
      BigInt(
        keccak256(
          encodeAbiParameters([{ type: 'bytes32' }, { type: 'bytes32' }], [receiptHash, digest]),
        ),
      ) >> 8n;
    expect(g.requestDigest_challengeAB_account2).toBe(digest);
    expect(g.requestSignalHash_challengeAB_receiptCD_account2).toBe(String(signal));
    expect(zk.requestDigest(challenge, account)).toBe(digest);
    expect(zk.requestSignalHashOf(receiptHash, digest)).toBe(signal);
    expect(zk.requestSignalHash(challenge, receiptHash, account)).toBe(signal);
  });

  it('the circuit computes the same public signals', async () => {
    const w = await zk.calculateWitnessValues(zk.buildWitnessInput(requestFor(f)));
    expect(w.slice(1, 8).map(String)).toEqual(golden.circuit.publicSignals);
    expect(golden.circuit.publicSignals).toEqual([
      golden.fixture.nullifier_scope_4242,
      golden.fixture.issuerKeyHash,
      golden.fixture.queryHash,
      golden.revocation.rootRevoked_3_1000,
      golden.encodings.proofTime_1790000000,
      '4242',
      '999',
    ]);
  });
});
