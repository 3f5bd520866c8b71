/**
 * The verifier's tamper-evident audit log end to end (SECURITY-CASES R01, R02), on the embedded
 * chain with the REAL issuer, REAL proofs (two, reused) and the real AuditAnchor:
 * - verified, failed, unparsable and relayed answers each append one entry; the log, exported
 *   with plain SQL, verifies with `#verifier` `verifyAuditLog`; every logged proof verifies again;
 * - an on-demand checkpoint (`POST /audit/checkpoints`) is signed by the verifier's DID (checked
 *   against its DID document on the chain) and anchored: `getLatestAnchor` on AuditAnchor holds
 *   the same seq and head; against it a truncated or forked copy of the log is caught; a changed
 *   checkpoint, or one signed by another key, does not verify;
 * - two nodes anchoring at once: the one whose anchor lost (AuditAnchor wants an increasing
 *   index) re-reads the chain, checks the later anchor against its log and reports it;
 * - the schedule (1 s here) anchors when the head moved and not when it did not;
 * - without a relayer key checkpoints are signed, not anchored, and the log says so once;
 * - no personal data in the audit tables or the logs.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createClients, getLatestAnchor, type AnvilChain, type ReadClient } from '#contracts';
import type { RunningIssuer } from '#issuer';
import { canonicalConsentReceipt, consentReceiptHash } from '#platform';
import {
  auditBodyHash,
  auditEntryHash,
  readAuditEntries,
  signCheckpoint,
  verifyAuditLog,
  verifyCheckpoint,
  type AuditEntry,
  type RunningVerifier,
} from '#verifier';
import { parsePublicSignals, requestSignalHashOf, shutdownZk, verify } from '#zk';
import { ES256KSigner } from 'did-jwt';
import { pino, type Logger } from 'pino';
import { getAddress, type Address, type Hex } from 'viem';
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
  submitAnswer,
  type CreatedRequest,
} from '../helpers/market.js';
import { answerRequest, type WalletAnswer } from '../helpers/wallet.js';

const MARKET_KEY = 'market-key-for-audit-tests-0123456789';
const BIRTH_DATE = '1990-02-28';
/** anvil's dev account 4 (a public test key, funded on every anvil): node B's relayer. */
const SCHEDULE_RELAYER_KEY =
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a' as const;

let chain: AnvilChain;
let work: string;
let issuer: RunningIssuer;
let verifier: RunningVerifier;
let publicClient: ReadClient;
let holder: Holder;
let credential: string;
let honest: WalletAnswer;
const logLines: string[] = [];
const market = { authorization: `Bearer ${MARKET_KEY}` };
const nowS = () => Math.floor(Date.now() / 1000);
const account = (n: number) => getAddress(`0x${n.toString(16).padStart(40, '0')}`);
const relayer = privateKeyToAccount(DEV_KEYS.relayer).address;

const capture = (lines: string[]): Logger =>
  pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );

function startNode(name: string, over: Record<string, string>, logger: Logger) {
  return startTestVerifier(chain, work, {
    name,
    marketplace: 'demo-market',
    apiKey: MARKET_KEY,
    over: {
      VERIFIER_KMS_SECRET: createHash('sha256').update(`audit test ${name}`).digest('hex'),
      VERIFIER_AUDIT_ANCHOR_SECONDS: '0',
      LOG_LEVEL: 'info',
      ...over,
    },
    options: { logger },
  });
}

type Created = CreatedRequest;
const api = (node: RunningVerifier) => ({ url: node.url, headers: market, issuer });
const createPolicy = (node: RunningVerifier, over: Record<string, unknown>) =>
  createAgePolicy(api(node), over);
const createRequest = (node: RunningVerifier, policyId: string, over = {}) =>
  createProofRequest(api(node), policyId, over);
const submit = (node: RunningVerifier, created: Created, body: unknown) =>
  submitAnswer(node.url, created, body);

/**
 * A wrong answer with a right consent receipt: the honest proof with made-up public signals, so
 * it gets a verdict (failed). `proof` replaces the proof (an unparsable one).
 */
const wrongAnswer = (created: Created, acct: Address, proof: unknown = honest.proof) =>
  madeUpAnswer({ chain, issuer, created, proof, account: acct, now: nowS() });

/** The log as the verifier exports it (bodies opened with their data keys), in seq order. */
async function exportLog(node: RunningVerifier): Promise<AuditEntry[]> {
  // Bodies are sealed under per-verification data keys (crypto-shredding): the verifier's own
  // export opens them.
  return readAuditEntries(node.dataSource, { limit: 100_000 });
}
const bodyOf = (e: AuditEntry) => JSON.parse(e.body!) as Record<string, unknown>;

const waitFor = async <T>(f: () => Promise<T | null>, ms = 15_000): Promise<T> => {
  for (
    const end = Date.now() + ms;
    Date.now() < end;
    await new Promise((r) => setTimeout(r, 100))
  ) {
    const v = await f();
    if (v !== null) return v;
  }
  throw new Error('timed out');
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-audit-e2e-'));
  chain = await startDeployedChain(work);
  publicClient = createClients({ rpcUrl: chain.rpcUrl, chainId: chain.chainId }).publicClient;
  issuer = await startTestIssuer(chain, work);
  verifier = await startNode(
    'verifier-a',
    { VERIFIER_RELAYER_KEY: DEV_KEYS.relayer },
    capture(logLines),
  );
  holder = newHolder(`0x${chain.chainId.toString(16)}`);
  credential = await issueAge(issuer.url, TEST_ADMIN_KEY, holder, BIRTH_DATE);
}, 180_000);

afterAll(async () => {
  await verifier?.close();
  await issuer?.close();
  await chain?.stop();
  await shutdownZk();
  await rm(work, { recursive: true, force: true });
});

const anchorAddress = () => verifier.deployment.contracts.auditAnchor.address;

describe('audit e2e: every verdict is an entry', () => {
  let entries: AuditEntry[];
  let ids: string[] = [];

  it('verified, failed, unparsable and relayed answers append one entry each', async () => {
    const offChain = await createPolicy(verifier, { id: 'audit-adults' });
    const answerFor = async (created: Created, acct: Address) =>
      answerRequest({
        requestUri: created.requestUri,
        verifierDid: verifier.did,
        holder,
        credential,
        issuerUrl: issuer.url,
        account: acct,
        resolver: chainResolver(chain, issuer),
        chain: { chain, gate: issuer.deployment.contracts.zkGate.address },
      });

    const r1 = await createRequest(verifier, offChain.id);
    honest = await answerFor(r1, account(0xa11ce));
    expect((await submit(verifier, r1, honest)).status).toBe(200);

    const r2 = await createRequest(verifier, offChain.id);
    const failed = await submit(verifier, r2, await wrongAnswer(r2, account(0xbad)));
    expect(failed.status).toBe(422);
    const failedCode = ((await failed.json()) as { code: string }).code;

    const r3 = await createRequest(verifier, offChain.id);
    const unparsable = { ...honest.proof, pi_a: [`${2n ** 254n}`, '2', '1'] }; // ≥ q
    const refused = await submit(verifier, r3, await wrongAnswer(r3, account(0xbad), unparsable));
    expect(await refused.json()).toMatchObject({ verified: false, code: 'bad_proof_encoding' });

    const onChain = await createPolicy(verifier, { id: 'audit-adults-onchain', onChain: true });
    const r4 = await createRequest(verifier, onChain.id, { relay: true });
    const relayed = await submit(verifier, r4, await answerFor(r4, account(0xca11)));
    expect(await relayed.json()).toMatchObject({ verified: true, relay: { status: 'confirmed' } });

    ids = [r1.id, r2.id, r3.id, r4.id];
    entries = await exportLog(verifier);
    expect(entries.map((e) => [e.seq, e.kind])).toEqual([
      [1, 'verification'],
      [2, 'verification'],
      [3, 'verification'],
      [4, 'verification'],
    ]);
    const bodies = entries.map(bodyOf);
    expect(bodies.map((b) => [b['requestId'], b['outcome'], b['reasonCode']])).toEqual([
      [r1.id, 'verified', null],
      [r2.id, 'failed', failedCode],
      [r3.id, 'failed', 'bad_proof_encoding'],
      [r4.id, 'verified', null],
    ]);
    expect(bodies[1]).toMatchObject({ publicSignals: Array(7).fill('1'), nullifier: '1' });
    expect(bodies[2]).toMatchObject({ proof: null, publicSignals: null, nullifier: null });
    expect(bodies[3]).toMatchObject({ policyId: onChain.id, chainPolicyId: onChain.chainPolicyId });
    expect(bodies[0]).toMatchObject({
      issuerKeyHash: issuer.issuerKeyHash.toString(),
      predicates: [{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }],
    });
  }, 120_000);

  it('each entry and record keeps the consent receipt; off-chain, the request digest lets the signal hash be checked from the receipt alone', async () => {
    const bodies = entries.map(bodyOf);
    const receipt = honest.consentReceipt;
    const off = bodies[0]!;
    expect(off['consentReceipt']).toEqual(receipt);
    expect(off['consentReceiptHash']).toBe(consentReceiptHash(receipt));
    // what a regulator can do offline: receipt → hash → signal hash, no challenge, no account
    const signals = parsePublicSignals(off['publicSignals'] as string[]);
    expect(requestSignalHashOf(consentReceiptHash(receipt), off['requestDigest'] as Hex)).toBe(
      signals.signalHash,
    );
    // the digest hides the account: it is not the account, nor any 20-byte value of it
    expect(JSON.stringify(off).toLowerCase()).not.toContain(
      account(0xa11ce).slice(2).toLowerCase(),
    );
    // a gate binding has no digest (its account is the on-chain pass holder); its receipt is kept
    expect(bodies[3]!['requestDigest']).toBeNull();
    expect(bodies[3]!['consentReceipt']).toMatchObject({ requestId: ids[3] });
    // the verification record keeps the receipt sealed under the verification's data key
    // (crypto-shredding, docs/compliance.md §6.2): nothing of it readable in the row
    const row = (await verifier.dataSource
      .getRepository('VerifierVerificationRecord')
      .findOneByOrFail({ requestId: ids[0] })) as { consentReceipt: string | null };
    expect(row.consentReceipt).toMatch(/^enc1:[A-Za-z0-9_-]+$/);
    expect(row.consentReceipt).not.toContain(receipt.receiptId);
    expect(bodies[0]!['consentReceipt']).toEqual(JSON.parse(canonicalConsentReceipt(receipt)));
    // once answered, the request object (which carries the challenge) is no longer served
    const again = await fetch(`${verifier.url}/v1/requests/${ids[0]}/request.jwt`);
    expect(again.status).toBe(409);
  });

  it('the exported log verifies, and every logged proof verifies again', async () => {
    expect(verifyAuditLog(entries)).toEqual({
      ok: true,
      head: { seq: 4, hash: entries[3]!.hash },
      count: 4,
    });
    for (const b of entries.map(bodyOf).filter((b) => b['outcome'] === 'verified')) {
      expect(await verify(b['proof'], b['publicSignals'])).toMatchObject({ verified: true });
    }
  });
});

describe('audit e2e: checkpoints', () => {
  let checkpoint: { seq: number; head: string; at: number; chainId: number; jwt: string };

  it('on demand: signed by the verifier DID, anchored in AuditAnchor with the same head', async () => {
    const unauthenticated = await postJson(`${verifier.url}/audit/checkpoints`, {});
    expect(unauthenticated.status).toBe(401);

    const res = await postJson(`${verifier.url}/audit/checkpoints`, {}, market);
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      checkpoint: typeof checkpoint;
      anchoring: { status: string; transactionHash: Hex; anchoredBy: string };
    };
    checkpoint = body.checkpoint;
    const entries = await exportLog(verifier);
    expect(checkpoint).toMatchObject({ seq: 4, head: entries[3]!.hash, chainId: chain.chainId });
    expect(body.anchoring).toEqual({
      status: 'anchored',
      transactionHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      anchoredBy: relayer,
    });

    // The signature, against the verifier's DID document on the chain.
    const claims = await verifyCheckpoint(checkpoint.jwt, {
      resolver: chainResolver(chain, issuer),
      issuer: verifier.did,
    });
    expect(claims).toEqual({
      iss: verifier.did,
      seq: 4,
      head: entries[3]!.hash,
      at: checkpoint.at,
      chainId: chain.chainId,
      anchor: anchorAddress(),
      anchoredBy: relayer,
    });

    // The anchor, read back from AuditAnchor.
    const anchored = await getLatestAnchor(publicClient, {
      anchor: anchorAddress(),
      verifier: relayer,
    });
    expect(anchored).toMatchObject({ index: 4n, head: entries[3]!.hash });
    const receipt = await publicClient.getTransactionReceipt({
      hash: body.anchoring.transactionHash,
    });
    expect(receipt.status).toBe('success');
    expect(getAddress(receipt.to!)).toBe(anchorAddress());

    // Public, and the same while the head does not move.
    const latest = await fetch(`${verifier.url}/audit/checkpoints/latest`);
    expect(await latest.json()).toEqual({ checkpoint, anchoring: body.anchoring });
    const again = await postJson(`${verifier.url}/audit/checkpoints`, {}, market);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ created: false, checkpoint, anchoring: body.anchoring });
  });

  it('R02: against the anchored checkpoint, a truncated or forked copy of the log is caught', async () => {
    const entries = await exportLog(verifier);
    const anchored = (await getLatestAnchor(publicClient, {
      anchor: anchorAddress(),
      verifier: relayer,
    }))!;
    const checkpoints = [{ seq: Number(anchored.index), head: anchored.head }];
    expect(verifyAuditLog(entries, { checkpoints })).toMatchObject({ ok: true });
    expect(verifyAuditLog(entries.slice(0, 2), { checkpoints })).toMatchObject({
      ok: false,
      reason: 'truncated',
      firstBad: 3,
    });
    // The failure at seq 2 rewritten as a pass, every later hash recomputed: consistent alone.
    const forked: AuditEntry[] = [];
    for (const e of entries) {
      const prev = forked.at(-1);
      if (e.seq < 2) {
        forked.push(e);
        continue;
      }
      const body =
        e.seq === 2 ? e.body!.replace('"outcome":"failed"', '"outcome":"verified"') : e.body!;
      const hash = auditEntryHash({
        prev: prev!.hash,
        seq: e.seq,
        kind: e.kind,
        at: e.at,
        bodyHash: auditBodyHash(body),
      });
      forked.push({ ...e, body, bodyHash: auditBodyHash(body), prevHash: prev!.hash, hash });
    }
    expect(verifyAuditLog(forked)).toMatchObject({ ok: true });
    expect(verifyAuditLog(forked, { checkpoints })).toMatchObject({
      ok: false,
      reason: 'fork',
      firstBad: 4,
    });
  });

  it('a checkpoint that was changed, or signed by another key, does not verify', async () => {
    const resolver = chainResolver(chain, issuer);
    const [header, payload, signature] = checkpoint.jwt.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const changed = Buffer.from(JSON.stringify({ ...claims, seq: 3 })).toString('base64url');
    await expect(
      verifyCheckpoint(`${header}.${changed}.${signature}`, { resolver }),
    ).rejects.toMatchObject({ code: 'bad_signature' });

    // The same claims, in the verifier's name, signed with another key.
    const impostor = await signCheckpoint({
      did: verifier.did,
      signer: ES256KSigner(Buffer.from(DEV_KEYS.funder.slice(2), 'hex')),
      claims: {
        seq: 4,
        head: checkpoint.head,
        at: checkpoint.at,
        chainId: chain.chainId,
        anchor: anchorAddress(),
        anchoredBy: relayer,
      },
    });
    await expect(verifyCheckpoint(impostor, { resolver })).rejects.toMatchObject({
      code: 'bad_signature',
    });
    await expect(
      verifyCheckpoint(checkpoint.jwt, { resolver, issuer: issuer.did }),
    ).rejects.toMatchObject({ code: 'bad_signature' });
    await expect(verifyCheckpoint('not.a.jwt', { resolver })).rejects.toMatchObject({
      code: 'bad_input',
    });
    // The untouched one still verifies.
    await expect(verifyCheckpoint(checkpoint.jwt, { resolver })).resolves.toMatchObject({ seq: 4 });
  });

  it('two nodes anchoring at once: the loser re-reads the chain and reports the later anchor', async () => {
    const r5 = await createRequest(verifier, 'audit-adults');
    expect((await submit(verifier, r5, await wrongAnswer(r5, account(0xbad)))).status).toBe(422);
    const newer = (await (
      await postJson(`${verifier.url}/audit/checkpoints`, {}, market)
    ).json()) as { checkpoint: { seq: number; head: string }; anchoring: { status: string } };
    expect(newer).toMatchObject({ checkpoint: { seq: 5 }, anchoring: { status: 'anchored' } });

    // The slower node still holds checkpoint 4 unanchored and sends it now.
    const from = logLines.length;
    const late = await verifier.audit.anchor({
      seq: checkpoint.seq,
      hash: checkpoint.head,
      at: checkpoint.at,
      jws: checkpoint.jwt,
      anchorTx: null,
      anchoredBy: null,
      chainId: checkpoint.chainId,
    });
    expect(late).toEqual({
      status: 'superseded',
      latest: { index: 5, head: newer.checkpoint.head, anchoredAt: expect.any(Number) },
    });
    const warned = logLines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(warned).toContainEqual(
      expect.objectContaining({
        msg: 'audit checkpoint superseded: a later head is already anchored',
        seq: 4,
        anchoredIndex: 5,
      }),
    );
    // The chain kept the later anchor.
    expect(
      await getLatestAnchor(publicClient, { anchor: anchorAddress(), verifier: relayer }),
    ).toMatchObject({ index: 5n, head: newer.checkpoint.head });
  });
});

describe('audit e2e: the schedule and a verifier without a relayer key', () => {
  it('the schedule anchors when the head moved, and not when it did not', async () => {
    const sender = privateKeyToAccount(SCHEDULE_RELAYER_KEY).address;
    expect(await publicClient.getBalance({ address: sender })).toBeGreaterThan(0n);
    const node = await startNode(
      'verifier-scheduled',
      { VERIFIER_RELAYER_KEY: SCHEDULE_RELAYER_KEY, VERIFIER_AUDIT_ANCHOR_SECONDS: '1' },
      pino({ level: 'silent' }),
    );
    const latest = () =>
      getLatestAnchor(publicClient, { anchor: anchorAddress(), verifier: sender });
    const checkpoints = async () =>
      Number(
        (
          (await node.dataSource.query('SELECT COUNT(*) AS n FROM verifier_audit_checkpoint')) as {
            n: number;
          }[]
        )[0]!.n,
      );
    const wrongOn = async () => {
      const created = await createRequest(node, 'scheduled');
      const res = await submit(node, created, await wrongAnswer(created, account(0xbad)));
      expect(res.status).toBe(422);
    };
    try {
      await createPolicy(node, { id: 'scheduled' });
      await new Promise((r) => setTimeout(r, 2_500)); // two ticks on an empty log
      expect(await latest()).toBeNull();
      expect(await checkpoints()).toBe(0);

      await wrongOn();
      const first = await waitFor(async () => {
        const a = await latest();
        return a && a.index === 1n ? a : null;
      });
      const [entry] = await exportLog(node);
      expect(first.head).toBe(entry!.hash);

      const sent = await publicClient.getTransactionCount({ address: sender });
      await new Promise((r) => setTimeout(r, 2_500)); // two ticks with the head unchanged
      expect(await checkpoints()).toBe(1);
      expect(await latest()).toEqual(first);
      expect(await publicClient.getTransactionCount({ address: sender })).toBe(sent);

      await wrongOn();
      const second = await waitFor(async () => {
        const a = await latest();
        return a && a.index === 2n ? a : null;
      });
      expect(second.head).toBe((await exportLog(node))[1]!.hash);
      expect(await checkpoints()).toBe(2);
    } finally {
      await node.close();
    }
  }, 60_000);

  it('without a relayer key checkpoints are signed, not anchored, and the log says so once', async () => {
    const lines: string[] = [];
    const node = await startNode('verifier-unanchored', {}, capture(lines));
    try {
      await createPolicy(node, { id: 'unanchored' });
      const created = await createRequest(node, 'unanchored');
      expect((await submit(node, created, await wrongAnswer(created, account(0xbad)))).status).toBe(
        422,
      );
      for (const status of [201, 200]) {
        const res = await postJson(`${node.url}/audit/checkpoints`, {}, market);
        expect(res.status).toBe(status);
        const body = (await res.json()) as { checkpoint: { jwt: string }; anchoring: unknown };
        expect(body.anchoring).toEqual({ status: 'disabled' });
        const claims = await verifyCheckpoint(body.checkpoint.jwt, {
          resolver: chainResolver(chain, issuer),
          issuer: node.did,
        });
        expect(claims).toMatchObject({ seq: 1, anchoredBy: null });
      }
      const said = lines.filter((l) => l.includes('signed but not anchored'));
      expect(said).toHaveLength(1);
    } finally {
      await node.close();
    }
  });
});

describe('audit e2e: privacy', () => {
  it('no personal data in the audit tables or the logs', async () => {
    const dump = JSON.stringify([
      await verifier.dataSource.query('SELECT * FROM verifier_audit_entry'),
      await verifier.dataSource.query('SELECT * FROM verifier_audit_head'),
      await verifier.dataSource.query('SELECT * FROM verifier_audit_checkpoint'),
    ]).toLowerCase();
    expect(dump.length).toBeGreaterThan(5_000);
    const logs = logLines.join('').toLowerCase();
    for (const p of [
      holder.did,
      holder.wallet.address.slice(2),
      account(0xa11ce).slice(2),
      account(0xbad).slice(2),
      account(0xca11).slice(2),
      BIRTH_DATE,
      BIRTH_DATE.replaceAll('-', ''),
      credential.slice(-40),
    ]) {
      expect(dump).not.toContain(p.toLowerCase());
      expect(logs).not.toContain(p.toLowerCase());
    }
  });
});
