/**
 * The audit log in the verifier's database, on real SQLite and a real PostgreSQL (R01, R02):
 * - appends: a contiguous chain under concurrent appends (and, on PostgreSQL, from two nodes on
 *   one database); a rolled-back append leaves neither entry nor head change;
 * - atomic with the verification record, on the real verification path (`verifySubmission`, a
 *   REAL proof): a throw after the append (the completion hook) leaves neither; a failing append
 *   leaves no record; without a throw, exactly one entry per record, verified or failed;
 * - what an entry holds: the policy, hashes, the outcome, and a proof that verifies again;
 * - checkpoints: two nodes making the checkpoint of one head store one;
 * - privacy: no account, attribute value, holder secret or commitment in any audit body.
 */
import { randomBytes } from 'node:crypto';
import { ES256KSigner, decodeJWT } from 'did-jwt';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import type { Address, Hex } from 'viem';
import { compilePolicy, openDatabase, withTransaction } from '#platform';
import {
  AGE_SCHEMA,
  buildWitnessInput,
  holderCommitment,
  issuerKeyHash,
  prove,
  readLock,
  requestDigest,
  requestSignalHash,
  shutdownZk,
  verify,
  verifierScope,
  type Groth16Proof,
} from '#zk';
import { NOW, ageFixture, requestFor } from '../../test/fixtures/credentials.js';
import { agePolicyInput, pendingRequestRow } from '../../test/fixtures/policies.js';
import { databaseEngines, type Engine } from '../../test/helpers/databases.js';
import {
  AuditCheckpointEntity,
  AuditEntryEntity,
  AuditHeadEntity,
  NullifierBindingEntity,
  ProofRequestEntity,
  VERIFIER_ENTITIES,
  VERIFIER_MIGRATIONS,
  VerificationRecordEntity,
  type ProofRequestRow,
} from '../store/schema.js';
import { AUDIT_GENESIS_HASH, verifyAuditLog } from './audit-chain.js';
import { signCheckpoint } from './audit-checkpoint.js';
import { appendAuditEntry, auditCheckpointer, readAuditEntries, readAuditHead } from './audit.js';
import { verifySubmission, type VerificationDeps } from './verification.js';

const engines = databaseEngines({ entities: VERIFIER_ENTITIES, migrations: VERIFIER_MIGRATIONS });

const VERIFIER_ID = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';
const ALICE = '0x1111111111111111111111111111111111111111';
const CHALLENGE = `0x${'ab'.repeat(32)}` as const;
const RECEIPT = `0x${'0e'.repeat(32)}` as const;
const T = Number(NOW);
const BIRTH_DATE = '1960-05-04';

const fixture = ageFixture({ birthDate: BIRTH_DATE });
const ISSUER = issuerKeyHash(fixture.issuerPublicKey);
const POLICY = compilePolicy(
  agePolicyInput({
    trustedIssuers: [ISSUER.toString()],
    predicates: [
      { attribute: 'birthDate', op: 'ageAtLeast', value: 18 },
      { attribute: 'country', op: 'neq', value: 840 },
    ],
  }),
);

let made: { proof: Groth16Proof; publicSignals: string[] };
/** Every audit body written in this file, for the privacy scan at the end. */
const bodies: string[] = [];

beforeAll(async () => {
  made = await prove(
    buildWitnessInput(
      requestFor(fixture, {
        scope: verifierScope(VERIFIER_ID, POLICY.id),
        signalHash: requestSignalHash(CHALLENGE, RECEIPT, ALICE),
      }),
    ),
  );
});

afterAll(async () => {
  await shutdownZk();
});

const entriesOf = async (ds: DataSource) => {
  const entries = await readAuditEntries(ds, { limit: 10_000 });
  bodies.push(...entries.flatMap((e) => (e.body === null ? [] : [e.body])));
  return entries;
};
const bodyOf = (e: { body: string | null }) => JSON.parse(e.body!) as Record<string, unknown>;
const count = (ds: DataSource, entity: Parameters<DataSource['getRepository']>[0]) =>
  ds.getRepository(entity).count();

let nextRequest = 0;
async function openRequest(ds: DataSource): Promise<ProofRequestRow> {
  const row = pendingRequestRow({
    id: `req-${++nextRequest}`,
    policyId: POLICY.id,
    challenge: CHALLENGE,
    expiresAt: T + 3_600,
    createdAt: T - 10,
  });
  await ds.getRepository(ProofRequestEntity).insert(row);
  return row;
}

function deps(ds: DataSource, over: Partial<VerificationDeps> = {}): VerificationDeps {
  return {
    dataSource: ds,
    pool: { verify: (proof, signals) => verify(proof, signals) },
    verifierId: VERIFIER_ID,
    clock: () => T + 5,
    rootAccepted: (issuer, root) => issuer === ISSUER && root === fixture.tree.root,
    issuerStanding: async (issuer, schema) =>
      issuer === ISSUER && schema === AGE_SCHEMA.id ? null : 'issuer_inactive',
    ...over,
  };
}

const submit = (d: VerificationDeps, request: ProofRequestRow, over: { proof?: unknown } = {}) =>
  verifySubmission(d, {
    request,
    policy: POLICY,
    proof: over.proof ?? made.proof,
    publicSignals: made.publicSignals,
    account: ALICE,
    consentReceiptHash: RECEIPT,
  });

/** A proof coordinate ≥ q: the submission cannot be parsed, and still gets an entry. */
const unparsable = () => ({ ...made.proof, pi_a: [`${2n ** 254n}`, '2', '1'] });

const append = (ds: DataSource, n: number) =>
  withTransaction(ds, (tx) => appendAuditEntry(tx, { kind: 'verification', at: T, body: { n } }));

describe.each(engines.list)('the audit log on %s', (engine: Engine) => {
  it('appends one contiguous chain under 40 concurrent appends', async () => {
    const ds = await engines.open(engine);
    const heads = await Promise.all(Array.from({ length: 40 }, (_, i) => append(ds, i)));
    expect(heads.map((h) => h.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const entries = await entriesOf(ds);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const verdict = verifyAuditLog(entries);
    expect(verdict).toMatchObject({ ok: true, count: 40 });
    expect(await readAuditHead(ds)).toEqual(verdict.ok ? verdict.head : null);
  });

  it('a rolled-back append leaves neither its entry nor a head change', async () => {
    const ds = await engines.open(engine);
    await expect(
      withTransaction(ds, async (tx) => {
        await appendAuditEntry(tx, { kind: 'verification', at: T, body: { n: 1 } });
        throw new Error('crash after the append');
      }),
    ).rejects.toThrow('crash after the append');
    expect(await count(ds, AuditEntryEntity)).toBe(0);
    expect(await readAuditHead(ds)).toEqual({ seq: 0, hash: AUDIT_GENESIS_HASH });
    expect((await append(ds, 2)).seq).toBe(1);
  });

  describe('with the verification record', () => {
    it('verified: one entry in the transaction of the record, holding a proof that verifies again', async () => {
      const ds = await engines.open(engine);
      const request = await openRequest(ds);
      expect(await submit(deps(ds), request)).toMatchObject({ verified: true });
      expect(await count(ds, VerificationRecordEntity)).toBe(1);
      const [entry, ...more] = await entriesOf(ds);
      expect(more).toEqual([]);
      expect(entry).toMatchObject({ seq: 1, kind: 'verification', at: T + 5 });
      const lock = readLock();
      const [nullifier, , , root] = made.publicSignals;
      expect(bodyOf(entry!)).toEqual({
        version: 1,
        requestId: request.id,
        policyId: POLICY.id,
        marketplaceId: POLICY.marketplaceId,
        credential: { type: 'AgeCredential', schema: AGE_SCHEMA.id.toString() },
        queryHash: POLICY.queryHash.toString(),
        predicates: POLICY.predicates,
        purpose: POLICY.purpose,
        legalBasis: POLICY.legalBasis,
        retentionDays: POLICY.retentionDays,
        chainPolicyId: null,
        scope: verifierScope(VERIFIER_ID, POLICY.id).toString(),
        circuit: { name: lock.circuit, vkHash: lock.sha256.vkey },
        issuerKeyHash: ISSUER.toString(),
        revocationRoot: root,
        nullifier,
        consentReceiptHash: RECEIPT,
        consentReceipt: null, // this submission came without one (see verification.test.ts)
        requestDigest: requestDigest(request.challenge as Hex, ALICE as Address),
        outcome: 'verified',
        reasonCode: null,
        proofTime: T, // the unix part of the time signal (the proof was made at NOW)
        proof: made.proof,
        publicSignals: made.publicSignals,
      });
      const { proof, publicSignals } = bodyOf(entry!);
      expect(await verify(proof, publicSignals)).toMatchObject({ verified: true });
    });

    it('a throw after the append (the completion hook) leaves neither record nor entry', async () => {
      const ds = await engines.open(engine);
      const request = await openRequest(ds);
      let appendedBefore = 0;
      const failing = deps(ds, {
        onComplete: async (tx) => {
          // The entry exists inside the transaction when the hook runs…
          appendedBefore = await tx.getRepository(AuditEntryEntity).count();
          throw new Error('webhook outbox down');
        },
      });
      await expect(submit(failing, request)).rejects.toThrow('webhook outbox down');
      await expect(submit(failing, await openRequest(ds), { proof: unparsable() })).rejects.toThrow(
        'webhook outbox down',
      );
      expect(appendedBefore).toBe(1);
      // …and neither it nor the record, the binding or the completion survive.
      expect(await count(ds, AuditEntryEntity)).toBe(0);
      expect(await count(ds, VerificationRecordEntity)).toBe(0);
      expect(await count(ds, NullifierBindingEntity)).toBe(0);
      expect(await readAuditHead(ds)).toEqual({ seq: 0, hash: AUDIT_GENESIS_HASH });
      expect(
        await ds.getRepository(ProofRequestEntity).findOneByOrFail({ id: request.id }),
      ).toMatchObject({ status: 'pending' });

      // The same submission without the failure: one record, one entry.
      expect(await submit(deps(ds), request)).toMatchObject({ verified: true });
      expect(await count(ds, VerificationRecordEntity)).toBe(1);
      expect((await entriesOf(ds)).map((e) => e.seq)).toEqual([1]);
    });

    it('a failing append leaves no record (the request stays pending)', async () => {
      const ds = await engines.open(engine);
      const request = await openRequest(ds);
      await ds.getRepository(AuditHeadEntity).delete({ id: 1 });
      await expect(submit(deps(ds), request)).rejects.toMatchObject({ code: 'internal' });
      await expect(
        submit(deps(ds), await openRequest(ds), { proof: unparsable() }),
      ).rejects.toMatchObject({ code: 'internal' });
      expect(await count(ds, VerificationRecordEntity)).toBe(0);
      expect(await count(ds, NullifierBindingEntity)).toBe(0);
      expect(await count(ds, AuditEntryEntity)).toBe(0);
      expect(
        await ds.getRepository(ProofRequestEntity).findOneByOrFail({ id: request.id }),
      ).toMatchObject({ status: 'pending' });
    });

    it('a submission that cannot be parsed gets an entry with nulls', async () => {
      const ds = await engines.open(engine);
      const request = await openRequest(ds);
      expect(await submit(deps(ds), request, { proof: unparsable() })).toMatchObject({
        verified: false,
        code: 'bad_proof_encoding',
      });
      const [entry] = await entriesOf(ds);
      expect(bodyOf(entry!)).toMatchObject({
        requestId: request.id,
        outcome: 'failed',
        reasonCode: 'bad_proof_encoding',
        consentReceiptHash: RECEIPT,
        scope: verifierScope(VERIFIER_ID, POLICY.id).toString(),
        issuerKeyHash: null,
        revocationRoot: null,
        nullifier: null,
        proofTime: null,
        proof: null,
        publicSignals: null,
      });
    });
  });

  it('two nodes making the checkpoint of one head store one checkpoint', async () => {
    const ds = await engines.open(engine);
    await append(ds, 1);
    const signer = ES256KSigner(randomBytes(32));
    const node = () =>
      auditCheckpointer({
        dataSource: ds,
        sign: (claims) => signCheckpoint({ did: VERIFIER_ID, signer, claims }),
        chainId: 31_337,
        anchor: '0x00000000000000000000000000000000000000cc',
        now: () => T,
        logger: pino({ level: 'silent' }),
      });
    const outcomes = await Promise.all([node().checkpoint(), node().checkpoint()]);
    expect(outcomes.map((o) => o.created).sort()).toEqual([false, true]);
    const rows = await ds.getRepository(AuditCheckpointEntity).find();
    expect(rows).toHaveLength(1);
    // Both answer with the stored one.
    expect(outcomes.map((o) => o.checkpoint.jwt)).toEqual([rows[0]!.jws, rows[0]!.jws]);
    expect(decodeJWT(rows[0]!.jws).payload).toMatchObject({ seq: 1, anchoredBy: null });
    expect(outcomes[0]!.anchoring).toEqual({ status: 'disabled' });
  });
});

describe('checkpoints of a log that no longer matches them', () => {
  const node = (ds: DataSource) =>
    auditCheckpointer({
      dataSource: ds,
      sign: (claims) =>
        signCheckpoint({ did: VERIFIER_ID, signer: ES256KSigner(randomBytes(32)), claims }),
      chainId: 31_337,
      anchor: '0x00000000000000000000000000000000000000cc',
      now: () => T,
      logger: pino({ level: 'silent' }),
    });

  it('refuses to checkpoint a log cut back behind its latest checkpoint (storage_corrupt)', async () => {
    const ds = await engines.open('sqlite');
    await append(ds, 1);
    const second = await append(ds, 2);
    await node(ds).checkpoint();
    // Entry 2 removed and the head set back: the log now ends before its checkpoint.
    await ds.getRepository(AuditEntryEntity).delete({ seq: second.seq });
    const [first] = await readAuditEntries(ds);
    await ds.getRepository(AuditHeadEntity).update({ id: 1 }, { seq: 1, hash: first!.hash });
    await expect(node(ds).checkpoint()).rejects.toMatchObject({ code: 'storage_corrupt' });
  });

  it('refuses to checkpoint a head whose hash differs from the checkpoint of its seq', async () => {
    const ds = await engines.open('sqlite');
    await append(ds, 1);
    await node(ds).checkpoint();
    await ds.getRepository(AuditHeadEntity).update({ id: 1 }, { hash: `0x${'ab'.repeat(32)}` });
    await expect(node(ds).checkpoint()).rejects.toMatchObject({ code: 'storage_corrupt' });
  });
});

describe('the audit log on PostgreSQL, from two nodes', () => {
  it('appends one contiguous chain when two data sources append at once', async () => {
    const at = await engines.target('postgres');
    const open = () =>
      openDatabase({ ...at, entities: VERIFIER_ENTITIES, migrations: VERIFIER_MIGRATIONS });
    const [a, b] = [await open(), await open()];
    try {
      await Promise.all(Array.from({ length: 30 }, (_, i) => append(i % 2 ? a : b, i)));
      const entries = await entriesOf(a);
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(verifyAuditLog(entries)).toMatchObject({ ok: true, count: 30 });
      expect(await readAuditHead(b)).toEqual(await readAuditHead(a));
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });
});

describe('privacy (R04): what the audit bodies of this file hold', () => {
  it('no account, attribute value, holder secret or commitment', () => {
    expect(bodies.length).toBeGreaterThan(40);
    const text = bodies.join('\n').toLowerCase();
    expect(text).toContain('"outcome":"verified"');
    for (const secret of [
      ALICE.toLowerCase(),
      ALICE.slice(2).toLowerCase(),
      BIRTH_DATE,
      BIRTH_DATE.replaceAll('-', ''),
      fixture.secret.toString(),
      holderCommitment(fixture.secret).toString(),
    ]) {
      expect(text).not.toContain(secret);
    }
    // The credential's country (276) appears as no value (the policy's own 840 may).
    const values: unknown[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      else values.push(v);
    };
    bodies.forEach((b) => walk(JSON.parse(b)));
    expect(values).not.toContain(276);
    expect(values).not.toContain('276');
  });
});
