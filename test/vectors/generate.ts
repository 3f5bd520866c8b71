/**
 * Regenerates test/vectors/golden.json from the zk core: run `npx tsx test/vectors/generate.ts`
 * ONLY when an encoding changes on purpose (then say why in the commit). The `external`
 * section is not generated: those are published circomlib/circomlibjs test vectors.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as zk from '#zk';
import { ageFixture, requestFor } from '../fixtures/credentials.js';

const path = new URL('./golden.json', import.meta.url);
const old = JSON.parse(readFileSync(path, 'utf8')) as { external: unknown };
const f = ageFixture();
const s = (x: bigint): string => x.toString();
const input = zk.buildWitnessInput(requestFor(f));
const w = await zk.calculateWitnessValues(input);

const golden = {
  external: old.external,
  encodings: {
    date_1800_01_01: s(zk.encodeDate('1800-01-01')),
    date_1960_05_04: s(zk.encodeDate('1960-05-04')),
    date_2000_02_29: s(zk.encodeDate('2000-02-29')),
    proofTime_1790000000: s(zk.encodeProofTime(1_790_000_000n)),
    schema_age_v1: s(zk.schemaId('zkrep.age.v1')),
    schema_reputation_v1: s(zk.schemaId('zkrep.reputation.v1')),
  },
  revocation: {
    zeroHash1: s(zk.ZERO_HASHES[1]!),
    emptyRoot: s(zk.EMPTY_REVOCATION_ROOT),
    rootRevoked_3_1000: s(f.tree.root),
  },
  fixture: {
    holderSeedByte: 7,
    issuerPrivateKeyByte: 1,
    holderSecret: s(f.secret),
    holderCommitment: s(f.claim.holderCommitment),
    issuerPublicKey: f.issuerPublicKey.map(s),
    issuerKeyHash: s(zk.issuerKeyHash(f.issuerPublicKey)),
    claimFields: zk.claimFields(f.claim).map(s),
    claimHash: s(zk.claimHash(f.claim)),
    signature: { R8: f.signature.R8.map(s), S: s(f.signature.S) },
    queryFields: zk.queryFields(f.query).map(s),
    queryHash: s(zk.queryHash(f.query)),
    nullifier_scope_4242: s(zk.computeNullifier(f.secret, 4242n)),
    gateScope_31337_gate1_policy1: s(
      zk.gateScope(31337, '0x0000000000000000000000000000000000000001', 1),
    ),
    gateSignalHash_sender2_ctx0: s(
      zk.gateSignalHash('0x0000000000000000000000000000000000000002', `0x${'00'.repeat(32)}`),
    ),
    // Protocol v2 off-chain binding: challenge 0xab…ab, account 0x…02, receipt hash 0xcd…cd.
    requestDigest_challengeAB_account2: zk.requestDigest(
      `0x${'ab'.repeat(32)}`,
      '0x0000000000000000000000000000000000000002',
    ),
    requestSignalHash_challengeAB_receiptCD_account2: s(
      zk.requestSignalHash(
        `0x${'ab'.repeat(32)}`,
        `0x${'cd'.repeat(32)}`,
        '0x0000000000000000000000000000000000000002',
      ),
    ),
  },
  circuit: { publicSignals: w.slice(1, 8).map(s) },
};
writeFileSync(path, JSON.stringify(golden, null, 2) + '\n');
console.log('wrote', path.pathname);
