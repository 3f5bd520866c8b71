/**
 * npm run zk:selfcheck — issues a throwaway credential, proves "age ≥ 18", verifies the
 * proof, prints timings, and exits (it must exit on its own: no dangling snarkjs workers).
 */
import { randomBytes } from 'node:crypto';
import * as zk from '../ts/index.js';

try {
  const issuerKey = zk.generateIssuerPrivateKey();
  const issuerPub = zk.issuerPublicKey(issuerKey);
  const secret = zk.holderSecretFromSeed(randomBytes(32));
  const schema = zk.schemaId('zkrep.age.v1');
  const now = BigInt(Math.floor(Date.now() / 1000));
  const claim: zk.Claim = {
    schema,
    holderCommitment: zk.holderCommitment(secret),
    credentialId: 1n,
    issuedAt: now - 60n,
    expiresAt: now + 86_400n,
    attributes: [zk.encodeDate('1965-07-01'), 0n, 0n, 0n, 0n, 0n, 0n, 0n],
  };
  const signature = zk.signMessage(issuerKey, zk.claimHash(claim));
  const query: zk.Query = {
    schema,
    predicates: [{ slot: 0, op: zk.Op.ageAtLeast, value: 18n }],
  };
  const t0 = performance.now();
  const input = zk.buildWitnessInput({
    secret,
    claim,
    issuerPublicKey: issuerPub,
    signature,
    revocation: new zk.RevocationTree(),
    query,
    time: now,
    scope: 1n,
    signalHash: 2n,
  });
  const { proof, publicSignals } = await zk.prove(input);
  const t1 = performance.now();
  const res = await zk.verify(proof, publicSignals);
  const t2 = performance.now();
  await zk.shutdownZk();
  if (!res.verified) {
    console.error(`zk:selfcheck: proof did not verify (${res.code})`);
    process.exit(1);
  }
  console.log(
    `zk:selfcheck: ok — prove ${(t1 - t0).toFixed(0)} ms, verify ${(t2 - t1).toFixed(0)} ms`,
  );
} catch (err) {
  console.error(
    `zk:selfcheck: ${err instanceof zk.ZkError ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err)}`,
  );
  await zk.shutdownZk();
  process.exit(1);
}
