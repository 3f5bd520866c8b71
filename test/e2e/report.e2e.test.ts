/**
 * Signed compliance reports end to end (docs/compliance.md §5; SECURITY-CASES R04, R07): the REAL
 * verifier on the embedded chain with the REAL issuer, ONE real proof and two failed answers,
 * its real AuditAnchor and did:ethr registry:
 * - `POST /v1/reports` answers a report JWT that `zkrep report verify`, run as a real child
 *   process (`node bin/zkrep.mjs report verify …`), accepts (exit 0), whole and filtered to one
 *   policy (the other policy's entries as redacted stubs);
 * - tampered copies are rejected with exit 1 and a one-line verdict naming the check that failed
 *   — each tampering reaches exactly the check it is meant to (the others pass): a report
 *   re-signed by another key (signature); a changed event body (chain, the entry named); a
 *   dropped entry (chain, the entry named); a checkpoint not anchored on chain (checkpoints); a
 *   changed proof in a log rewritten consistently — re-chained, its checkpoint re-signed by the
 *   verifier's own key and anchored by another account (proofs); the log cut after the period
 *   began, with counts to match (counts); a changed count (counts).
 *   Tampered copies are re-signed with the verifier's own key (read from its KMS, as a dishonest
 *   operator would), so that the signature check passes;
 * - R04: no birth date, credential, holder DID or account in the report;
 * - a regulator's own DID key (VERIFIER_REGULATORS): a short-lived token for this verifier gets
 *   a report of every marketplace; another audience, a long or expired life, another key (401),
 *   a DID that is not a regulator (403) are refused;
 * - usage errors exit 2; a missing key 401.
 */
import { execFile } from 'node:child_process';
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { anchorAuditHead, createClients, type AnvilChain } from '#contracts';
import type { RunningIssuer } from '#issuer';
import { agentJwtSigner, createEthrAgent } from '#platform';
import {
  auditBodyHash,
  auditEntryHash,
  signCheckpoint,
  signReport,
  type AuditEntry,
  type ComplianceReport,
  type RunningVerifier,
} from '#verifier';
import { shutdownZk } from '#zk';
import { ES256KSigner, createJWT, decodeJWT, type Signer } from 'did-jwt';
import { getAddress, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { issueAge, newHolder, postJson, type Holder } from '../helpers/holder.js';
import {
  DEV_KEYS,
  TEST_ADMIN_KEY,
  chainResolver,
  startDeployedChain,
  startTestIssuer,
  startTestVerifier,
} from '../helpers/stack.js';
import {
  createAgePolicy,
  createProofRequest,
  madeUpAnswer,
  reportOf,
  submitAnswer,
  verifyReportCli,
  type CreatedRequest,
} from '../helpers/market.js';
import { answerRequest } from '../helpers/wallet.js';

const run = promisify(execFile);
const MARKET_KEY = 'market-key-for-report-tests-0123456789';
const KMS = createHash('sha256').update('report test verifier').digest('hex');
const BIRTH_DATE = '1990-02-28';
/** anvil's dev account 4 (a public test key): the account a forger anchors with. */
const FORGER_KEY = '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a' as const;
/** A regulator: a did:ethr of a fresh key (its DID document is the chain's default one). */
const REGULATOR_KEY = createHash('sha256').update('report test regulator').digest();
const REGULATOR_DID = `did:ethr:0x7a69:${privateKeyToAccount(`0x${REGULATOR_KEY.toString('hex')}`).address}`;

let chain: AnvilChain;
let work: string;
let issuer: RunningIssuer;
let verifier: RunningVerifier;
let holder: Holder;
let credential: string;
/** The verifier DID's own key (from its KMS): what a dishonest operator signs forgeries with. */
let verifierSigner: Signer;
const market = { authorization: `Bearer ${MARKET_KEY}` };
const nowS = () => Math.floor(Date.now() / 1000);
const account = (n: number) => getAddress(`0x${n.toString(16).padStart(40, '0')}`);
const ALICE = account(0xa11ce);

const api = () => ({ url: verifier.url, headers: market, issuer });
const createPolicy = (id: string) => createAgePolicy(api(), { id });
const createRequest = (policyId: string) => createProofRequest(api(), policyId);
const submit = (created: CreatedRequest, body: unknown) =>
  submitAnswer(verifier.url, created, body);
/** A wrong answer with a right consent receipt (made-up signals): a failed event, no proving. */
const wrongAnswer = (created: CreatedRequest, proof: unknown) =>
  madeUpAnswer({ chain, issuer, created, proof, account: account(0xbad), now: nowS() });
/** `zkrep report verify` as a child process on a file holding `content`. */
const verifyCli = (content: string, ...flags: string[]) =>
  verifyReportCli({ work, chain }, content, ...flags);

const requestReport = async (body: unknown, headers: Record<string, string> = market) =>
  postJson(`${verifier.url}/v1/reports`, body, headers);
const resign = (report: ComplianceReport, signer = verifierSigner) =>
  signReport({ did: verifier.did, signer, report, iat: nowS() });
const copy = (r: ComplianceReport): ComplianceReport => structuredClone(r);
const bodyOf = (e: AuditEntry) => JSON.parse(e.body!) as Record<string, unknown>;

let from: number;
let jwt: string;
let report: ComplianceReport;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-report-e2e-'));
  chain = await startDeployedChain(work);
  issuer = await startTestIssuer(chain, work);
  verifier = await startTestVerifier(chain, work, {
    marketplace: 'demo-market',
    apiKey: MARKET_KEY,
    over: {
      VERIFIER_KMS_SECRET: KMS,
      VERIFIER_RELAYER_KEY: DEV_KEYS.relayer,
      VERIFIER_AUDIT_ANCHOR_SECONDS: '0',
      VERIFIER_REGULATORS: REGULATOR_DID,
    },
  });
  const agent = createEthrAgent({
    dataSource: verifier.dataSource,
    kmsSecretKey: KMS,
    network: {
      name: `0x${chain.chainId.toString(16)}`,
      chainId: chain.chainId,
      rpcUrl: chain.rpcUrl,
      registry: issuer.deployment.contracts.didRegistry.address,
    },
  });
  const id = await agent.didManagerGetByAlias({ alias: 'zkrep-verifier' });
  verifierSigner = agentJwtSigner(agent, id.controllerKeyId!);
  holder = newHolder(`0x${chain.chainId.toString(16)}`);
  credential = await issueAge(issuer.url, TEST_ADMIN_KEY, holder, BIRTH_DATE);

  // Three events: a verified one (a real proof) and a failed one under `report-adults`, an
  // unparsable answer under `report-other`.
  from = nowS() - 1;
  await createPolicy('report-adults');
  await createPolicy('report-other');
  const r1 = await createRequest('report-adults');
  const honest = await answerRequest({
    requestUri: r1.requestUri,
    verifierDid: verifier.did,
    holder,
    credential,
    issuerUrl: issuer.url,
    account: ALICE,
    resolver: chainResolver(chain, issuer),
    chain: { chain, gate: issuer.deployment.contracts.zkGate.address },
  });
  expect((await submit(r1, honest)).status).toBe(200);
  const r2 = await createRequest('report-adults');
  expect((await submit(r2, await wrongAnswer(r2, honest.proof))).status).toBe(422);
  const r3 = await createRequest('report-other');
  const unparsable = { ...honest.proof, pi_a: [`${2n ** 254n}`, '2', '1'] };
  const refused = await submit(r3, await wrongAnswer(r3, unparsable));
  expect(await refused.json()).toMatchObject({ verified: false, code: 'bad_proof_encoding' });

  const res = await requestReport({ from, to: nowS() + 60 });
  expect(res.status).toBe(200);
  jwt = ((await res.json()) as { jwt: string }).jwt;
  report = reportOf(jwt);
}, 180_000);

afterAll(async () => {
  await verifier?.close();
  await issuer?.close();
  await chain?.stop();
  await shutdownZk();
  await rm(work, { recursive: true, force: true });
});

describe('report e2e: a report from the real flow', () => {
  it('is signed by the verifier DID, ends at an anchored checkpoint, and counts the events', () => {
    expect(decodeJWT(jwt).header).toMatchObject({ alg: 'ES256K', typ: 'zkrep-report+jwt' });
    expect(report).toMatchObject({
      version: 1,
      verifier: verifier.did,
      marketplaceId: 'demo-market',
      policyId: null,
      counts: {
        events: 3,
        byPolicy: { 'report-adults': 2, 'report-other': 1 },
        byOutcome: { verified: 1, failed: 2 },
      },
    });
    expect([...report.issuerKeyHashes].sort()).toEqual(
      [issuer.issuerKeyHash.toString(), '1'].sort(),
    );
    expect(report.log.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(report.checkpoints).toEqual([
      expect.objectContaining({
        seq: 3,
        anchor: verifier.deployment.contracts.auditAnchor.address,
        anchoredBy: privateKeyToAccount(DEV_KEYS.relayer).address,
        transactionHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      }),
    ]);
  });

  it('`zkrep report verify` accepts it (exit 0), one line per check; --json for scripts; the JSON answer file too', async () => {
    const ok = await verifyCli(jwt);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^ok {3}signature: signed by did:ethr:/),
      'ok   chain: entries 1–3 verify (3)',
      'ok   checkpoints: 1 signed and anchored (up to entry 3)',
      'ok   proofs: 2 proofs checked again; consent bindings hold',
      'ok   erasures: 0 erased entries accounted for',
      'ok   counts: 3 events; counts match',
      'report verified',
    ]);
    const json = await verifyCli(JSON.stringify({ jwt }), '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, checks: expect.any(Array) });
  }, 60_000);

  it('filtered to one policy: the other policy’s entry is a redacted stub, and it verifies', async () => {
    const res = await requestReport({ from, to: nowS() + 60, policyId: 'report-other' });
    expect(res.status).toBe(200);
    const filtered = ((await res.json()) as { jwt: string }).jwt;
    const r = reportOf(filtered);
    expect(r.log.entries.map((e) => e.body === null)).toEqual([true, true, false]);
    expect(r.log.entries[0]).toEqual({
      seq: 1,
      kind: 'verification',
      at: expect.any(Number),
      body: null,
      bodyHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      prevHash: expect.any(String),
      hash: report.log.entries[0]!.hash,
    });
    expect(r.counts).toMatchObject({ events: 1, byPolicy: { 'report-other': 1 } });
    const out = await verifyCli(filtered);
    expect(out.stdout).toContain('report verified');
    expect(out.code).toBe(0);
  }, 60_000);

  it('R04: no birth date, credential, holder DID or account in the report', () => {
    const text = JSON.stringify(report);
    for (const secret of [
      BIRTH_DATE,
      BIRTH_DATE.replaceAll('-', ''),
      credential,
      holder.did,
      ALICE,
      ALICE.toLowerCase(),
      ALICE.slice(2).toLowerCase(),
      account(0xbad).toLowerCase(),
    ]) {
      expect(text).not.toContain(secret);
    }
    // What a report is for is there: the policy's own threshold, not the holder's value.
    expect(text).toContain('ageAtLeast');
  });
});

describe('report e2e: tampered copies are rejected, each by the check it breaks', () => {
  const rejected = async (forged: string, check: string, message: RegExp) => {
    const out = await verifyCli(forged);
    expect(out.code).toBe(1);
    const verdict = out.stdout.trim().split('\n').at(-1)!;
    expect(verdict).toMatch(new RegExp(`^report rejected: ${check}: `));
    expect(verdict).toMatch(message);
    return out.stdout;
  };

  it('re-signed by another key: signature', async () => {
    const forged = await resign(copy(report), ES256KSigner(Buffer.alloc(32, 7)));
    await rejected(forged, 'signature', /bad_signature/);
  }, 60_000);

  it('an event body changed (an outcome flipped): chain, naming that entry', async () => {
    const r = copy(report);
    const e = r.log.entries[1]!;
    e.body = e.body!.replace('"outcome":"failed"', '"outcome":"verified"');
    await rejected(await resign(r), 'chain', /^report rejected: chain: entry 2: body_mismatch/);
    // Its stub's body hash recomputed as well: the chain itself breaks there.
    e.bodyHash = auditBodyHash(e.body);
    await rejected(await resign(r), 'chain', /entry 2: hash_mismatch/);
  }, 60_000);

  it('an entry dropped: chain, naming the missing entry', async () => {
    const r = copy(report);
    r.log.entries.splice(1, 1);
    await rejected(await resign(r), 'chain', /entry 2: seq_gap/);
  }, 60_000);

  it('a checkpoint not anchored on chain (re-signed by the verifier, naming another anchorer): checkpoints', async () => {
    const r = copy(report);
    const cp = r.checkpoints[0]!;
    const forger = privateKeyToAccount(FORGER_KEY).address;
    cp.jwt = await signCheckpoint({
      did: verifier.did,
      signer: verifierSigner,
      claims: {
        seq: cp.seq,
        head: cp.head,
        at: nowS(),
        chainId: chain.chainId,
        anchor: cp.anchor,
        anchoredBy: forger,
      },
    });
    cp.anchoredBy = forger;
    await rejected(await resign(r), 'checkpoints', /checkpoint 3: not anchored on chain/);
  }, 60_000);

  it('a changed proof in a consistently rewritten log (re-chained, re-signed, anchored by another account): proofs', async () => {
    const r = copy(report);
    const first = r.log.entries[0]!;
    const b = bodyOf(first);
    expect(b['outcome']).toBe('verified');
    const proof = b['proof'] as { pi_a: string[] };
    b['proof'] = { ...proof, pi_a: [proof.pi_a[1], proof.pi_a[0], proof.pi_a[2]] };
    // Re-chain every entry from the changed one (canonical body text, body hashes, hashes).
    let prev = r.log.start.hash as string;
    for (const e of r.log.entries) {
      if (e === first) {
        e.body = canonicalize(b)!;
        e.bodyHash = auditBodyHash(e.body);
      }
      e.prevHash = prev;
      e.hash = auditEntryHash({ prev, seq: e.seq, kind: e.kind, at: e.at, bodyHash: e.bodyHash! });
      prev = e.hash;
    }
    // Anchored by another account of the operator, and the checkpoint re-signed by its DID.
    const forger = createClients({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      account: { privateKey: FORGER_KEY },
    });
    const cp = r.checkpoints[0]!;
    const tx = await anchorAuditHead({
      ...forger,
      anchor: cp.anchor as Address,
      index: BigInt(cp.seq),
      head: prev as `0x${string}`,
    });
    cp.head = prev;
    cp.transactionHash = tx;
    cp.anchoredBy = forger.walletClient.account!.address;
    cp.jwt = await signCheckpoint({
      did: verifier.did,
      signer: verifierSigner,
      claims: {
        seq: cp.seq,
        head: prev,
        at: nowS(),
        chainId: chain.chainId,
        anchor: cp.anchor,
        anchoredBy: cp.anchoredBy,
      },
    });
    const out = await rejected(await resign(r), 'proofs', /event 1: its proof does not verify/);
    expect(out).toMatch(/ok {3}chain/);
    expect(out).toMatch(/ok {3}checkpoints/);
  }, 60_000);

  it('the log cut after the period began (its first event dropped, start moved up, counts recomputed): counts', async () => {
    const r = copy(report);
    const dropped = r.log.entries.shift()!;
    r.log.start = { seq: dropped.seq, hash: dropped.hash as `0x${string}` };
    r.counts.events = 2;
    r.counts.byPolicy['report-adults'] = 1;
    delete r.counts.byOutcome['verified'];
    const out = await rejected(await resign(r), 'counts', /may start after the period/);
    expect(out).toMatch(/ok {3}proofs: 1 proofs checked again/);
  }, 60_000);

  it('a changed count: counts', async () => {
    const r = copy(report);
    r.counts.byOutcome['verified'] = 2;
    await rejected(await resign(r), 'counts', /the counts are not those of the events/);
  }, 60_000);
});

describe('report e2e: usage and access', () => {
  it('usage errors exit 2 with one line; an unreadable file exits 1', async () => {
    const noFile = await run(process.execPath, ['bin/zkrep.mjs', 'report', 'verify']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(noFile).toMatchObject({ code: 2 });
    expect((noFile as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
    const badUrl = await run(process.execPath, [
      'bin/zkrep.mjs',
      'report',
      'verify',
      join(work, 'nope.jwt'),
      '--rpc-url',
      'not a url',
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(badUrl).toMatchObject({ code: 2, stderr: expect.stringMatching(/^zkrep: .*RPC URL/) });
    const missing = await run(process.execPath, [
      'bin/zkrep.mjs',
      'report',
      'verify',
      join(work, 'nope.jwt'),
      '--rpc-url',
      chain.rpcUrl,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'zkrep: not_found: the report file cannot be read\n',
    });
  }, 60_000);

  it("a regulator's own key: a short-lived token for this verifier gets every marketplace's report, which verifies; others are refused", async () => {
    const token = (p: { did?: string; key?: Buffer; aud?: string; life?: number } = {}) =>
      createJWT(
        { aud: p.aud ?? verifier.did, exp: nowS() + (p.life ?? 120) },
        {
          issuer: p.did ?? REGULATOR_DID,
          signer: ES256KSigner(p.key ?? REGULATOR_KEY),
          alg: 'ES256K',
        },
      );
    const as = async (jwt: string) =>
      requestReport({ from, to: nowS() + 60 }, { authorization: `Bearer ${jwt}` });
    const ok = await as(await token());
    expect(ok.status).toBe(200);
    const regulatorsReport = ((await ok.json()) as { jwt: string }).jwt;
    expect(reportOf(regulatorsReport)).toMatchObject({
      marketplaceId: null,
      counts: { events: 3 },
    });
    const checked = await verifyCli(regulatorsReport);
    expect(checked.stdout).toContain('report verified');
    expect(checked.code).toBe(0);
    // Refused: another verifier's audience, a long life, an expired one, signed by another key
    // (401); a DID that is not a regulator here (403).
    for (const [jwt, status] of [
      [await token({ aud: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa' }), 401],
      [await token({ life: 3_600 }), 401],
      [await token({ life: -1 }), 401],
      [await token({ key: Buffer.alloc(32, 9) }), 401],
      [
        await token({
          did: `did:ethr:0x7a69:${privateKeyToAccount(`0x${'09'.repeat(32)}`).address}`,
          key: Buffer.alloc(32, 9),
        }),
        403,
      ],
    ] as const) {
      const res = await as(jwt);
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({
        code: status === 401 ? 'unauthorized' : 'forbidden',
        message: expect.any(String),
      });
    }
  }, 60_000);

  it('POST /v1/reports needs a marketplace key (401) and a valid period (400)', async () => {
    const noKey = await requestReport({ from, to: from + 1 }, {});
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({
      code: expect.any(String),
      message: expect.any(String),
    });
    const bad = await requestReport({ from: from + 10, to: from });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'bad_input' });
  });
});
