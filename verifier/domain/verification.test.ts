/**
 * verifySubmission with REAL proofs from the zk core and the real verifier pool, on SQLite and
 * PostgreSQL: the honest submission verifies and completes its request; then, for every check, a
 * submission where only that check fails. Every verdict writes one record and exactly one audit
 * entry with its outcome and code; a refusal before a verdict writes neither. Three proofs are
 * made once for the whole file.
 */
import { agePolicyInput, pendingRequestRow } from '../../test/fixtures/policies.js';
import {
  AGE_SCHEMA,
  ZkError,
  buildWitnessInput,
  createVerifierPool,
  issuerKeyHash,
  prove,
  requestSignalHash,
  shutdownZk,
  verifierScope,
  type Groth16Proof,
  type VerifierPool,
} from '#zk';
import type { DataSource } from 'typeorm';
import { NOW, ageFixture, requestFor } from '../../test/fixtures/credentials.js';
import { databaseEngines } from '../../test/helpers/databases.js';
import { VerifierError } from '../errors.js';
import {
  AuditEntryEntity,
  DataKeyEntity,
  NullifierBindingEntity,
  ProofRequestEntity,
  VERIFIER_ENTITIES,
  VERIFIER_MIGRATIONS,
  VerificationRecordEntity,
  type ProofRequestRow,
} from '../store/schema.js';
import {
  compilePolicy,
  parseConsentReceipt,
  type CompiledPolicy,
  type PolicyInput,
} from '#platform';
import { verifySubmission, type RootTerms, type VerificationDeps } from './verification.js';
import { readAuditEntries } from './audit.js';

const engines = databaseEngines({ entities: VERIFIER_ENTITIES, migrations: VERIFIER_MIGRATIONS });

const VERIFIER_ID = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';
const ALICE = '0x1111111111111111111111111111111111111111';
const BOB = '0x2222222222222222222222222222222222222222';
const CHALLENGE = `0x${'ab'.repeat(32)}` as const;
const CHALLENGE_2 = `0x${'cd'.repeat(32)}` as const;
const RECEIPT = `0x${'0e'.repeat(32)}` as const;
const T = Number(NOW);

const fixture = ageFixture();
const ISSUER = issuerKeyHash(fixture.issuerPublicKey);
const ROOT = fixture.tree.root;

const policyInput = (over: Partial<PolicyInput> = {}): PolicyInput =>
  agePolicyInput({
    trustedIssuers: [ISSUER.toString()],
    // the fixture's query: age ≥ 18 and country ≠ 840
    predicates: [
      { attribute: 'birthDate', op: 'ageAtLeast', value: 18 },
      { attribute: 'country', op: 'neq', value: 840 },
    ],
    ...over,
  });
const POLICY = compilePolicy(policyInput());

interface Made {
  proof: Groth16Proof;
  publicSignals: string[];
}
const proofs = {} as { alice: Made; bob: Made; otherScope: Made };
let pool: VerifierPool;

const makeProof = async (policyId: string, challenge: `0x${string}`, account: `0x${string}`) =>
  prove(
    buildWitnessInput(
      requestFor(fixture, {
        scope: verifierScope(VERIFIER_ID, policyId),
        signalHash: requestSignalHash(challenge, RECEIPT, account),
      }),
    ),
  );

beforeAll(async () => {
  // Made one after another: two proofs at once would only compete for the 2 cores.
  proofs.alice = await makeProof(POLICY.id, CHALLENGE, ALICE);
  proofs.bob = await makeProof(POLICY.id, CHALLENGE_2, BOB);
  proofs.otherScope = await makeProof('another-policy', CHALLENGE, ALICE);
  pool = await createVerifierPool({ threads: 1 });
});

afterAll(async () => {
  await pool?.close();
  await shutdownZk();
});

let nextRequest = 0;
async function openRequest(
  ds: DataSource,
  over: Partial<ProofRequestRow> = {},
): Promise<ProofRequestRow> {
  const row = pendingRequestRow({
    id: `req-${++nextRequest}`,
    policyId: POLICY.id,
    challenge: CHALLENGE,
    expiresAt: T + 3_600,
    createdAt: T - 10,
    ...over,
  });
  await ds.getRepository(ProofRequestEntity).insert(row);
  return row;
}

/** The audit entries of request `requestId`, as their parsed bodies. */
async function auditOf(ds: DataSource, requestId: string): Promise<Record<string, unknown>[]> {
  const entries = await readAuditEntries(ds, { limit: 10_000 });
  return entries
    .map((e) => JSON.parse(e.body!) as Record<string, unknown>)
    .filter((b) => b['requestId'] === requestId);
}
const auditCount = (ds: DataSource) => ds.getRepository(AuditEntryEntity).count();

interface Setup {
  ds: DataSource;
  deps: VerificationDeps;
  rootCalls: [bigint, bigint, RootTerms][];
}

describe.each(engines.list)('verifySubmission on %s', (engine) => {
  async function setup(over: Partial<VerificationDeps> = {}): Promise<Setup> {
    const ds = await engines.open(engine);
    const rootCalls: Setup['rootCalls'] = [];
    const deps: VerificationDeps = {
      dataSource: ds,
      pool,
      verifierId: VERIFIER_ID,
      clock: () => T + 5,
      rootAccepted: (issuer, root, terms) => {
        rootCalls.push([issuer, root, terms]);
        return issuer === ISSUER && root === ROOT;
      },
      issuerStanding: async (issuer, schema) =>
        issuer === ISSUER && schema === AGE_SCHEMA.id ? null : 'issuer_inactive',
      ...over,
    };
    return { ds, deps, rootCalls };
  }

  const submit = (
    s: Setup,
    request: ProofRequestRow,
    made: Made,
    over: {
      account?: string;
      policy?: CompiledPolicy;
      proof?: unknown;
      publicSignals?: unknown;
    } = {},
  ) =>
    verifySubmission(s.deps, {
      request,
      policy: over.policy ?? POLICY,
      proof: over.proof ?? made.proof,
      publicSignals: over.publicSignals ?? made.publicSignals,
      account: over.account ?? ALICE,
      consentReceiptHash: RECEIPT,
    });

  /** The submission failed with `code`, and completed its request as failed with a record. */
  async function expectRefused(
    s: Setup,
    request: ProofRequestRow,
    result: Awaited<ReturnType<typeof verifySubmission>>,
    code: string,
  ) {
    expect(result).toEqual({ verified: false, code, message: expect.any(String) });
    const row = await s.ds.getRepository(ProofRequestEntity).findOneByOrFail({ id: request.id });
    expect(row.status).toBe('failed');
    const record = await s.ds
      .getRepository(VerificationRecordEntity)
      .findOneByOrFail({ requestId: request.id });
    expect(record).toMatchObject({ outcome: 'failed', reasonCode: code, passExpiresAt: null });
    expect(await auditOf(s.ds, request.id)).toEqual([
      expect.objectContaining({ outcome: 'failed', reasonCode: code }),
    ]);
    if (code !== 'nullifier_reused') {
      expect(record.nullifier).toBeNull();
      expect(await s.ds.getRepository(NullifierBindingEntity).count()).toBe(0);
    }
  }

  it('verifies the honest submission: binds the nullifier, completes the request, records it', async () => {
    const s = await setup();
    const request = await openRequest(s.ds);
    const result = await submit(s, request, proofs.alice);
    const nullifier = proofs.alice.publicSignals[0]!;
    expect(result).toEqual({
      verified: true,
      nullifier,
      account: ALICE,
      passExpiresAt: T + 86_400, // from min(proof time, now) = the proof time
    });
    expect(s.rootCalls).toEqual([[ISSUER, ROOT, { maxRootAgeSeconds: 3_600, now: T + 5 }]]);
    expect(
      await s.ds.getRepository(ProofRequestEntity).findOneByOrFail({ id: request.id }),
    ).toMatchObject({ status: 'verified', account: ALICE });
    expect(await s.ds.getRepository(NullifierBindingEntity).find()).toEqual([
      {
        scope: verifierScope(VERIFIER_ID, POLICY.id).toString(),
        nullifier,
        account: ALICE,
        createdAt: T + 5,
      },
    ]);
    expect(await s.ds.getRepository(VerificationRecordEntity).find()).toEqual([
      {
        requestId: request.id,
        policyId: POLICY.id,
        outcome: 'verified',
        reasonCode: null,
        nullifier,
        account: ALICE,
        consentReceiptHash: RECEIPT,
        consentReceipt: null,
        passExpiresAt: T + 86_400,
        createdAt: T + 5,
        withdrawnAt: null,
        erasureRecord: null,
      },
    ]);
    // Its data key: the policy's retention from the verification's time.
    expect(await s.ds.getRepository(DataKeyEntity).find()).toEqual([
      expect.objectContaining({
        id: request.id,
        retainUntil: T + 5 + POLICY.retentionDays * 86_400,
      }),
    ]);
    expect(await auditOf(s.ds, request.id)).toEqual([
      expect.objectContaining({ outcome: 'verified', reasonCode: null, nullifier }),
    ]);
    expect(await auditCount(s.ds)).toBe(1);
  });

  it('completes a request once: a second submission is refused and changes nothing', async () => {
    const s = await setup();
    const request = await openRequest(s.ds);
    expect((await submit(s, request, proofs.alice)).verified).toBe(true);
    // With the stale row (still 'pending' in memory): the conditional completion refuses it.
    await expect(submit(s, request, proofs.alice)).rejects.toMatchObject({
      code: 'request_completed',
      message: expect.stringMatching(/already been answered/),
    });
    // With the current row: refused before any work.
    const current = await s.ds
      .getRepository(ProofRequestEntity)
      .findOneByOrFail({ id: request.id });
    await expect(submit(s, current, proofs.alice)).rejects.toMatchObject({
      code: 'request_completed',
      message: expect.stringMatching(/already been answered/),
    });
    expect(await s.ds.getRepository(VerificationRecordEntity).count()).toBe(1);
    expect(await auditCount(s.ds)).toBe(1);
  });

  it('of two concurrent submissions for one request exactly one completes it', async () => {
    const s = await setup();
    const request = await openRequest(s.ds);
    const results = await Promise.allSettled([
      submit(s, request, proofs.alice),
      submit(s, request, proofs.alice),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'request_completed',
    });
    expect(await s.ds.getRepository(VerificationRecordEntity).count()).toBe(1);
    expect(await s.ds.getRepository(NullifierBindingEntity).count()).toBe(1);
    expect(await auditCount(s.ds)).toBe(1);
  });

  it('refuses an expired request, recording nothing', async () => {
    const s = await setup();
    const request = await openRequest(s.ds, { expiresAt: T + 5 }); // valid while now < expiresAt
    await expect(submit(s, request, proofs.alice)).rejects.toMatchObject({
      code: 'request_expired',
      message: expect.stringMatching(/expired/),
    });
    expect(
      await s.ds.getRepository(ProofRequestEntity).findOneByOrFail({ id: request.id }),
    ).toMatchObject({ status: 'pending' });
    expect(await s.ds.getRepository(VerificationRecordEntity).count()).toBe(0);
    expect(await s.ds.getRepository(NullifierBindingEntity).count()).toBe(0);
    expect(await auditCount(s.ds)).toBe(0);
  });

  it('signal_mismatch: the proof is submitted for another account', async () => {
    const s = await setup();
    const request = await openRequest(s.ds);
    await expectRefused(
      s,
      request,
      await submit(s, request, proofs.alice, { account: BOB }),
      'signal_mismatch',
    );
  });

  it('signal_mismatch: the proof answers another request (challenge)', async () => {
    const s = await setup();
    const request = await openRequest(s.ds); // CHALLENGE, while Bob's proof binds CHALLENGE_2
    await expectRefused(
      s,
      request,
      await submit(s, request, proofs.bob, { account: BOB }),
      'signal_mismatch',
    );
  });

  it("scope_mismatch: the proof was made for another policy's scope", async () => {
    const s = await setup();
    const request = await openRequest(s.ds);
    await expectRefused(s, request, await submit(s, request, proofs.otherScope), 'scope_mismatch');
  });

  it('scope_mismatch: another verifier (the same policy id under another verifier id)', async () => {
    const s = await setup({
      verifierId: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000bb',
    });
    const request = await openRequest(s.ds);
    await expectRefused(s, request, await submit(s, request, proofs.alice), 'scope_mismatch');
  });

  it('query_mismatch: the policy asks something else (age ≥ 21)', async () => {
    const s = await setup();
    const request = await openRequest(s.ds);
    const policy = compilePolicy(
      policyInput({
        predicates: [
          { attribute: 'birthDate', op: 'ageAtLeast', value: 21 },
          { attribute: 'country', op: 'neq', value: 840 },
        ],
      }),
    );
    await expectRefused(
      s,
      request,
      await submit(s, request, proofs.alice, { policy }),
      'query_mismatch',
    );
  });

  it('issuer_untrusted: the issuer is not on the policy list', async () => {
    const s = await setup();
    const request = await openRequest(s.ds);
    const policy = compilePolicy(policyInput({ trustedIssuers: [(ISSUER + 1n).toString()] }));
    await expectRefused(
      s,
      request,
      await submit(s, request, proofs.alice, { policy }),
      'issuer_untrusted',
    );
  });

  it('root_unknown: the revocation root is not accepted for the issuer', async () => {
    const s = await setup({ rootAccepted: () => false });
    const request = await openRequest(s.ds);
    await expectRefused(s, request, await submit(s, request, proofs.alice), 'root_unknown');
  });

  it('issuer_inactive: the trusted issuer is suspended in the issuer registry', async () => {
    const s = await setup({ issuerStanding: async () => 'issuer_inactive' });
    const request = await openRequest(s.ds);
    await expectRefused(s, request, await submit(s, request, proofs.alice), 'issuer_inactive');
  });

  it('issuer_schema_not_allowed: the registry does not let the issuer issue this schema', async () => {
    const s = await setup({ issuerStanding: async () => 'issuer_schema_not_allowed' });
    const request = await openRequest(s.ds);
    await expectRefused(
      s,
      request,
      await submit(s, request, proofs.alice),
      'issuer_schema_not_allowed',
    );
  });

  const unreachable = async (): Promise<never> => {
    throw new VerifierError('chain_unreachable', 'the chain RPC cannot be reached');
  };
  it.each<[string, Partial<VerificationDeps>]>([
    ['the issuer registry', { issuerStanding: unreachable }],
    ['the revocation registry', { rootAccepted: unreachable }],
  ])('A11: %s unreadable fails closed and leaves the request pending', async (_what, over) => {
    const s = await setup(over);
    const request = await openRequest(s.ds);
    await expect(submit(s, request, proofs.alice)).rejects.toMatchObject({
      code: 'chain_unreachable',
    });
    expect(
      await s.ds.getRepository(ProofRequestEntity).findOneByOrFail({ id: request.id }),
    ).toMatchObject({ status: 'pending' });
    expect(await s.ds.getRepository(NullifierBindingEntity).count()).toBe(0);
    expect(await auditCount(s.ds)).toBe(0);
  });

  it('an asynchronous root check that answers is used like a synchronous one', async () => {
    const ok = await setup({
      rootAccepted: async (issuer, root) => issuer === ISSUER && root === ROOT,
    });
    const req2 = await openRequest(ok.ds);
    expect((await submit(ok, req2, proofs.alice)).verified).toBe(true);
  });

  it('proof_too_old: the clock is past the proof time + maxProofAge', async () => {
    const s = await setup({ clock: () => T + 601 });
    const request = await openRequest(s.ds);
    await expectRefused(s, request, await submit(s, request, proofs.alice), 'proof_too_old');
  });

  it('accepts a proof exactly maxProofAge old', async () => {
    const s = await setup({ clock: () => T + 600 });
    const request = await openRequest(s.ds);
    expect((await submit(s, request, proofs.alice)).verified).toBe(true);
  });

  it('proof_from_future: the clock is more than 300 s behind the proof time', async () => {
    const s = await setup({ clock: () => T - 301 });
    const request = await openRequest(s.ds);
    await expectRefused(s, request, await submit(s, request, proofs.alice), 'proof_from_future');
  });

  it('pass_already_expired: the pass would end before it is granted', async () => {
    const s = await setup({ clock: () => T + 100 });
    const request = await openRequest(s.ds);
    const policy = compilePolicy(policyInput({ passLifetimeSeconds: 100 }));
    await expectRefused(
      s,
      request,
      await submit(s, request, proofs.alice, { policy }),
      'pass_already_expired',
    );
  });

  it('proof_invalid: a tampered proof point', async () => {
    const s = await setup();
    const request = await openRequest(s.ds);
    const proof = { ...proofs.alice.proof, pi_a: proofs.bob.proof.pi_a };
    await expectRefused(
      s,
      request,
      await submit(s, request, proofs.alice, { proof }),
      'proof_invalid',
    );
  });

  it('proof_invalid: a forged nullifier passes every signal check but not the pairing', async () => {
    const s = await setup();
    const request = await openRequest(s.ds);
    const publicSignals = [...proofs.alice.publicSignals];
    publicSignals[0] = (BigInt(publicSignals[0]!) + 1n).toString();
    await expectRefused(
      s,
      request,
      await submit(s, request, proofs.alice, { publicSignals }),
      'proof_invalid',
    );
  });

  it('nullifier_zero: a zero nullifier is refused before the pairing', async () => {
    const s = await setup();
    const request = await openRequest(s.ds);
    const publicSignals = ['0', ...proofs.alice.publicSignals.slice(1)];
    await expectRefused(
      s,
      request,
      await submit(s, request, proofs.alice, { publicSignals }),
      'nullifier_zero',
    );
  });

  it('bad_public_signals / bad_proof_encoding: malformed input gets a verdict', async () => {
    const s = await setup();
    const r1 = await openRequest(s.ds);
    await expectRefused(
      s,
      r1,
      await submit(s, r1, proofs.alice, { publicSignals: ['1', '2'] }),
      'bad_public_signals',
    );
    const r2 = await openRequest(s.ds);
    await expectRefused(
      s,
      r2,
      await submit(s, r2, proofs.alice, { proof: { pi_a: 'x' } }),
      'bad_proof_encoding',
    );
  });

  it('nullifier_reused: the same credential replayed for another account', async () => {
    const s = await setup();
    const first = await openRequest(s.ds);
    expect((await submit(s, first, proofs.alice)).verified).toBe(true);
    const second = await openRequest(s.ds, { challenge: CHALLENGE_2 });
    const result = await submit(s, second, proofs.bob, { account: BOB });
    await expectRefused(s, second, result, 'nullifier_reused');
    const record = await s.ds
      .getRepository(VerificationRecordEntity)
      .findOneByOrFail({ requestId: second.id });
    expect(record.nullifier).toBe(proofs.bob.publicSignals[0]);
    expect(await s.ds.getRepository(NullifierBindingEntity).find()).toMatchObject([
      { account: ALICE },
    ]);
  });

  it('a failed submission completes the request: the honest proof cannot follow on it', async () => {
    const s = await setup();
    const request = await openRequest(s.ds);
    expect((await submit(s, request, proofs.alice, { account: BOB })).verified).toBe(false);
    await expect(submit(s, request, proofs.alice)).rejects.toMatchObject({
      code: 'request_completed',
    });
  });

  it('a busy pool leaves the request pending for a retry', async () => {
    const s = await setup({
      pool: { verify: () => Promise.reject(new ZkError('busy', 'queue full')) },
    });
    const request = await openRequest(s.ds);
    await expect(submit(s, request, proofs.alice)).rejects.toMatchObject({ code: 'busy' });
    expect(
      await s.ds.getRepository(ProofRequestEntity).findOneByOrFail({ id: request.id }),
    ).toMatchObject({ status: 'pending' });
    expect(await s.ds.getRepository(VerificationRecordEntity).count()).toBe(0);
    expect(await auditCount(s.ds)).toBe(0);
  });

  it('refuses malformed submissions before any work', async () => {
    const s = await setup();
    const request = await openRequest(s.ds);
    const expectBadInput = async (over: Parameters<typeof verifySubmission>[1]) => {
      const e = await verifySubmission(s.deps, over).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(VerifierError);
      expect((e as VerifierError).code).toBe('bad_input');
    };
    const base = {
      request,
      policy: POLICY,
      proof: proofs.alice.proof,
      publicSignals: proofs.alice.publicSignals,
      account: ALICE,
      consentReceiptHash: RECEIPT,
    };
    await expectBadInput({ ...base, account: '0x1234' });
    await expectBadInput({ ...base, consentReceiptHash: '0x1234' });
    // a well-formed receipt whose hash is not the one the signal hash was computed with
    const receipt = parseConsentReceipt({
      version: 'zkrep-consent/2',
      receiptId: '6f1c1b2a-3d4e-4f50-8a61-7b8c9d0e1f23',
      requestId: request.id,
      verifier: VERIFIER_ID,
      policyId: POLICY.id,
      purpose: POLICY.purpose,
      legalBasis: POLICY.legalBasis,
      retentionDays: POLICY.retentionDays,
      predicates: POLICY.predicates,
      withdrawKey: '0x2222222222222222222222222222222222222222',
      consentedAt: T,
    });
    await expectBadInput({ ...base, consentReceipt: receipt });
    await expectBadInput({ ...base, request: { ...request, policyId: 'another-policy' } });
    expect(
      await s.ds.getRepository(ProofRequestEntity).findOneByOrFail({ id: request.id }),
    ).toMatchObject({ status: 'pending' });
    expect(await auditCount(s.ds)).toBe(0);
  });
});
