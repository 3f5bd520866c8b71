/**
 * The `npm run demo` scenario on the real parts, in one process, in the folder `work`: an embedded
 * anvil with every contract and the demo Marketplace deployed, the real issuer, the real verifier
 * with two marketplace accounts (`market-a`, `market-b`: their own API keys and policies), two
 * holders with real wallets (`#wallet`) and real Groth16 proofs. Each step prints one line
 * (scripts/demo/steps.ts); every service is stopped at the end, whatever happened.
 *
 * The set-up is the end-to-end tests' own (test/helpers): `startDeployedChain`, the issuer's and
 * the verifier's environment, `walletWithAge`, `createAgePolicy`, `createProofRequest`,
 * `submitAnswer`, `verifyReportCli` — one place for each, used by both.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SecretBox } from '@veramo/kms-local';
import { decodeJWT } from 'did-jwt';
import { type Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import {
  NO_CONTEXT,
  createClients,
  getCurrentRoot,
  getIssuer,
  toSignalTuple,
  toSolidityProof,
  verifyOnChain,
  type AnvilChain,
  type PolicyInput as ChainPolicy,
} from '#contracts';
import {
  batchDigest,
  loadIssuerConfig,
  startIssuer,
  type IssuerConfig,
  type PostedTradeEvent,
  type RunningIssuer,
} from '#issuer';
import { compilePolicy, openDatabase, type CompiledPolicy } from '#platform';
import type { RunningVerifier } from '#verifier';
import {
  answerInput,
  answerParams,
  checkErasureRecord,
  fetchRevocation,
  listCredentials,
  newConsentReceipt,
  openRequest,
  proveAnswer,
  proveRequest,
  requestCredential,
  respond,
  showCredential,
  withdrawConsent,
  type ProofResponse,
  type Wallet,
} from '#wallet';
import {
  buildWitnessInput,
  gateScope,
  gateSignalHash,
  parsePublicSignals,
  prove,
  shutdownZk,
} from '#zk';
import { loadOrCreateZkKey } from '../../issuer/domain/zk-key.js';
import { ISSUER_ENTITIES, ISSUER_MIGRATIONS } from '../../issuer/store/schema.js';
import {
  checkOwnCredential,
  findCredential,
  openCredential,
} from '../../wallet-agent/domain/credentials.js';
import { agePolicyInput } from '../../test/fixtures/policies.js';
import { postJson } from '../../test/helpers/holder.js';
import {
  createAgePolicy,
  createProofRequest,
  reportOf,
  submitAnswer,
  verifyReportCli,
  type CreatedRequest,
} from '../../test/helpers/market.js';
import {
  DEV_KEYS,
  TEST_ADMIN_KEY,
  devClients,
  issuerEnv,
  startDeployedChain,
  startTestVerifier,
} from '../../test/helpers/stack.js';
import { walletWithAge } from '../../test/helpers/wallet.js';
import { describeError, expectThat, StepRunner } from './steps.js';

/** The steps, in order: every one prints one line, `✓` or `✗`. */
export const DEMO_STEPS = [
  '1 services up',
  '2 credentials issued',
  '3 A proves age to market-a',
  '4 A proves age to market-b',
  '5 replay refused',
  '6 credential sharing refused',
  '7 wash trading gains nothing',
  '8 revocation',
  '9 consent withdrawn',
  '10 compliance report',
] as const;

const KEY_A = 'demo-market-a-api-key-0123456789';
const KEY_B = 'demo-market-b-api-key-0123456789';
const PASSPHRASE = 'demo wallet passphrase';
/** The holders' KYC'd birth dates: both adults. */
const BIRTH = { A: '1990-02-28', B: '2001-09-17' } as const;
const ETH_HALF = '500000000000000000';

const nowS = (): number => Math.floor(Date.now() / 1000);
const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;
/** Every form a value may take in text: as given, lower-case, without 0x, a date without dashes. */
const forms = (values: string[]): string[] =>
  [
    ...new Set(
      values.flatMap((v) => [
        v,
        v.toLowerCase(),
        v.replace(/^0x/i, '').toLowerCase(),
        v.replaceAll('-', ''),
      ]),
    ),
  ].filter((v) => v.length >= 8);
const leaked = (text: string, secrets: string[]): string[] =>
  forms(secrets).filter((s) => text.toLowerCase().includes(s.toLowerCase()));
/** A fresh account (a holder may use one per marketplace, as wallet e2e W09 does). */
const freshAccount = (): Address => privateKeyToAccount(generatePrivateKey()).address;

/** The demo Marketplace's policy for buyers (age ≥ 18) or sellers (score ≥ 80), compiled. */
function marketPolicy(issuerKeyHash: bigint, role: 'buyer' | 'seller'): CompiledPolicy {
  return compilePolicy(
    agePolicyInput({
      trustedIssuers: [issuerKeyHash.toString()],
      ...(role === 'seller'
        ? {
            id: 'trusted-sellers',
            schema: 'MarketplaceReputationCredential',
            predicates: [{ attribute: 'score', op: 'gte', value: 80 }],
            purpose: 'Only sellers with a good record may list.',
          }
        : {}),
    }),
  );
}

/** The demo Marketplace's two policies as ZkGate registers them. */
function marketplacePolicies(issuerKeyHash: bigint): {
  agePolicy: ChainPolicy;
  reputationPolicy: ChainPolicy;
} {
  const onChain = (c: CompiledPolicy): ChainPolicy => ({
    queryHash: c.queryHash,
    schema: c.query.schema,
    issuers: [issuerKeyHash],
    maxRootAge: c.maxRootAgeSeconds,
    maxProofAge: c.maxProofAgeSeconds,
    passLifetime: c.passLifetimeSeconds,
  });
  return {
    agePolicy: onChain(marketPolicy(issuerKeyHash, 'buyer')),
    reputationPolicy: onChain(marketPolicy(issuerKeyHash, 'seller')),
  };
}

/** The wallet's AgeCredential (its JWT, decrypted). */
async function ageCredentialJwt(w: Wallet): Promise<string> {
  const row = (await listCredentials(w)).find((c) => c.type === 'AgeCredential');
  if (!row) throw new Error('the wallet holds no AgeCredential');
  return openCredential(w, await findCredential(w, row.id));
}

/** The wallet's AgeCredential, checked as its own (the claim, the issuer's key and signature). */
const ageCredentialOf = async (w: Wallet) => checkOwnCredential(w, await ageCredentialJwt(w));

/**
 * A KYC pass at the Marketplace for the wallet's own account: a proof of its age policy sent to
 * ZkGate (relayed with `verifyFor` by a funded dev key, so the account needs no gas). The
 * reputation engine counts a trade only when the counterparty holds this pass.
 */
async function agePassOnGate(p: { chain: AnvilChain; issuer: RunningIssuer; wallet: Wallet }) {
  const { deployment } = p.issuer;
  const gate = deployment.contracts.zkGate.address;
  const policyId = BigInt(need(deployment.policies, 'the Marketplace policies').age);
  const credential = await ageCredentialOf(p.wallet);
  const account = p.wallet.address as Address;
  const { proof, publicSignals } = await prove(
    buildWitnessInput({
      secret: p.wallet.holderSecret,
      claim: credential.claim,
      issuerPublicKey: credential.issuerPublicKey,
      signature: credential.signature,
      revocation: await fetchRevocation(p.issuer.url),
      query: marketPolicy(p.issuer.issuerKeyHash, 'buyer').query,
      time: BigInt(nowS()),
      scope: gateScope(p.chain.chainId, gate, policyId),
      signalHash: gateSignalHash(account, NO_CONTEXT),
    }),
  );
  return verifyOnChain({
    ...devClients(p.chain, 'owner'),
    gate,
    policyId,
    proof: toSolidityProof(proof),
    publicSignals: toSignalTuple(parsePublicSignals(publicSignals)),
    account,
  });
}

/**
 * The issuer's zk key, created by the issuer's own code in its own database before the chain is
 * deployed: the Marketplace's policies name the issuer they trust (its key hash), and the issuer
 * started afterwards loads this key.
 */
async function issuerZkKeyHash(config: IssuerConfig): Promise<bigint> {
  const ds = await openDatabase({
    sqlitePath: config.sqlitePath,
    entities: ISSUER_ENTITIES,
    migrations: ISSUER_MIGRATIONS,
  });
  try {
    return (await loadOrCreateZkKey(ds, new SecretBox(config.kmsSecret))).keyHash;
  } finally {
    await ds.destroy();
  }
}

/** Every file under `dir` (the verifier's database and its WAL), as one text. */
async function folderText(dir: string): Promise<string> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(
    names
      .filter((d) => d.isFile())
      .map((d) => readFile(join(d.parentPath, d.name)).then((b) => b.toString('latin1'))),
  );
  return texts.join('\n');
}

interface Answer {
  request: CreatedRequest;
  body: ProofResponse;
  account: Address;
}

/**
 * Runs the scenario in `work` (an empty folder the caller removes), printing through `write`.
 * Returns the runner: its exit code says whether every step held.
 */
export async function runDemo(p: {
  work: string;
  write: (line: string) => void;
}): Promise<StepRunner> {
  const { work } = p;
  const steps = new StepRunner(p.write);
  const [S1, S2, S3, S4, S5, S6, S7, S8, S9, S10] = DEMO_STEPS;
  const closers: (() => Promise<unknown>)[] = [];
  /** The marketplace whose signed trade events the issuer trusts (its event-signing key). */
  const marketKey = privateKeyToAccount(generatePrivateKey());
  const from = nowS() - 1;

  let chain: AnvilChain | undefined;
  let issuer: RunningIssuer | undefined;
  let verifier: RunningVerifier | undefined;
  const wallets: { A?: Wallet; B?: Wallet } = {};
  const A = (): Wallet => need(wallets.A, 'holder A');
  const B = (): Wallet => need(wallets.B, 'holder B');
  const V = (): RunningVerifier => need(verifier, 'the verifier');
  const I = (): RunningIssuer => need(issuer, 'the issuer');
  const market = (key: string) => ({
    url: V().url,
    headers: { authorization: `Bearer ${key}` },
    issuer: I(),
  });
  const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const requestStatus = async (id: string, key = KEY_A) =>
    json<{ status: string; verified?: boolean; code?: string }>(
      await fetch(`${V().url}/v1/requests/${id}`, { headers: { authorization: `Bearer ${key}` } }),
    );

  /** `w`'s answer to a new request of `policyId` (the wallet's own steps), for `account`. */
  async function answer(
    w: Wallet,
    key: string,
    policyId: string,
    account: Address,
  ): Promise<Answer> {
    const request = await createProofRequest(market(key), policyId);
    const opened = await openRequest(w, request.requestUri);
    const receipt = await newConsentReceipt(w, opened);
    return { request, body: await proveRequest(w, opened, receipt, account), account };
  }

  try {
    await steps.step(S1, async () => {
      const issuerConfig = (c: AnvilChain) =>
        loadIssuerConfig(issuerEnv(c, work, { ISSUER_TRUSTED_MARKETPLACES: marketKey.address }));
      chain = await startDeployedChain(work, {
        marketplace: async (c) => marketplacePolicies(await issuerZkKeyHash(issuerConfig(c))),
      });
      const c = chain;
      closers.push(() => c.stop());
      issuer = await startIssuer(issuerConfig(c));
      const i = issuer;
      closers.push(() => i.close());
      const { publicClient } = createClients({ rpcUrl: c.rpcUrl, chainId: c.chainId });
      const registered = await getIssuer(publicClient, {
        gate: i.deployment.contracts.zkGate.address,
        keyHash: i.issuerKeyHash,
      });
      expectThat(
        registered.status === 'active' && registered.did === i.did,
        `the issuer ${i.did} active in IssuerRegistry`,
        `${registered.status} for ${registered.did}`,
      );
      verifier = await startTestVerifier(c, work, {
        marketplace: 'market-a',
        apiKey: KEY_A,
        over: {
          VERIFIER_MARKETPLACES: `market-a:${KEY_A},market-b:${KEY_B}`,
          VERIFIER_RELAYER_KEY: DEV_KEYS.relayer,
          VERIFIER_AUDIT_ANCHOR_SECONDS: '0',
        },
      });
      const v = verifier;
      closers.push(() => v.close());
      await createAgePolicy(market(KEY_A), { id: 'adults-a' });
      await createAgePolicy(market(KEY_B), {
        id: 'adults-b',
        purpose: 'Tobacco may only be sold to adults.',
      });
      // A marketplace sees only its own policies: market-b cannot ask for market-a's.
      const foreign = await postJson(
        `${v.url}/v1/requests`,
        { policyId: 'adults-a' },
        market(KEY_B).headers,
      );
      expectThat(
        foreign.status === 404,
        "market-b refused market-a's policy (404)",
        `${foreign.status}`,
      );
      return {
        observed: `anvil on ${c.rpcUrl}, issuer ${short(i.did)} registered on-chain, verifier ${short(v.did)}; market-a and market-b each made an age ≥ 18 policy`,
      };
    });

    await steps.step(S2, async () => {
      for (const name of ['A', 'B'] as const) {
        const w = await walletWithAge({
          dir: join(work, `wallet-${name}`),
          chain: need(chain, 'the chain'),
          issuer: I(),
          passphrase: PASSPHRASE,
          birthDate: BIRTH[name],
        });
        wallets[name] = w;
        closers.push(() => w.close());
        const held = await listCredentials(w);
        expectThat(
          held.length === 1 && held[0]!.type === 'AgeCredential',
          `holder ${name} to hold one AgeCredential`,
          JSON.stringify(held.map((c) => c.type)),
        );
      }
      return {
        observed: 'KYC recorded for A and B, each wallet collected and checked its AgeCredential',
      };
    });

    const toA = await steps.step(S3, async () => {
      const a = await answer(A(), KEY_A, 'adults-a', freshAccount());
      const res = await submitAnswer(V().url, a.request, a.body);
      const verdict = await json<{ verified?: boolean; code?: string }>(res);
      expectThat(
        res.status === 200 && verdict.verified === true,
        'verified',
        `${res.status} ${verdict.code ?? ''}`,
      );
      const status = await requestStatus(a.request.id);
      expectThat(status.status === 'verified', 'the request verified', status.status);
      expectThat(
        a.body.publicSignals.length === 7,
        '7 public signals',
        `${a.body.publicSignals.length}`,
      );
      const seen = JSON.stringify([a.body, verdict, status]);
      const stored = await folderText(join(work, 'verifier'));
      const secrets = [BIRTH.A, BIRTH.B, A().did, A().address, B().did, B().address];
      const found = [...leaked(seen, secrets), ...leaked(stored, secrets)];
      expectThat(
        found.length === 0,
        'no birth date or DID in the answer, the verdict or the verifier’s storage',
        found.join(', '),
      );
      return {
        ...a,
        observed:
          'verified; the answer reveals only "age ≥ 18" (7 public signals); no birth date or DID in the answer, the verdict or the verifier’s database',
      };
    });

    const toB = await steps.step(S4, async () => {
      const a = need(toA, 'step 3');
      const b = await answer(A(), KEY_B, 'adults-b', freshAccount());
      const res = await submitAnswer(V().url, b.request, b.body);
      const verdict = await json<{ verified?: boolean; code?: string }>(res);
      expectThat(
        res.status === 200 && verdict.verified === true,
        'verified',
        `${res.status} ${verdict.code ?? ''}`,
      );
      const [na, nb] = [a.body.publicSignals[0], b.body.publicSignals[0]];
      expectThat(
        na !== nb,
        'different nullifiers at market-a and market-b',
        `the same nullifier ${na}`,
      );
      return {
        ...b,
        observed: `verified; nullifier ${short(na!)} at market-a ≠ ${short(nb!)} at market-b (unlinkable)`,
      };
    });

    await steps.step(S5, async () => {
      const a = need(toA, 'step 3');
      const again = await submitAnswer(V().url, a.request, a.body);
      const againBody = await json<{ code?: string }>(again);
      expectThat(
        again.status === 409 && againBody.code === 'request_completed',
        'the same request to refuse it: 409 request_completed',
        `${again.status} ${againBody.code}`,
      );
      const fresh = await createProofRequest(market(KEY_A), 'adults-a');
      const replayed = await submitAnswer(V().url, fresh, a.body);
      const replayedBody = await json<{ code?: string }>(replayed);
      expectThat(
        replayed.status === 422 && replayedBody.code === 'consent_mismatch',
        'a fresh request to refuse it: 422 consent_mismatch',
        `${replayed.status} ${replayedBody.code}`,
      );
      const still = await requestStatus(fresh.id);
      expectThat(still.status === 'pending', 'the fresh request still pending', still.status);
      return {
        observed:
          'the same answer again → 409 request_completed; on a fresh request → 422 consent_mismatch (its receipt and challenge are for the first), which stays pending',
      };
    });

    await steps.step(S6, async () => {
      const a = need(toA, 'step 3');
      const jwtA = await ageCredentialJwt(A());
      // 1. A's credential in B's wallet: issued to A's DID and A's holder commitment.
      const inWallet = await checkOwnCredential(B(), jwtA).then(
        () => 'accepted',
        (e: unknown) => describeError(e),
      );
      expectThat(
        inWallet.startsWith('credential_invalid'),
        "B's wallet to refuse A's credential (credential_invalid)",
        inWallet,
      );
      // 2. B proving with A's credential and B's own holder secret.
      const request = await createProofRequest(market(KEY_A), 'adults-a');
      const opened = await openRequest(A(), request.requestUri);
      const params = await answerParams(
        A(),
        opened,
        await newConsentReceipt(A(), opened),
        B().address as Address,
      );
      const withB = await proveAnswer({ ...params, holderSecret: B().holderSecret }).then(
        () => 'a proof',
        (e: unknown) => describeError(e),
      );
      expectThat(
        withB.startsWith('bad_input') && withB.includes('not issued to this holder secret'),
        'the prover to refuse (bad_input: not issued to this holder secret)',
        withB,
      );
      // …and the circuit itself: A's witness input with B's secret violates the holder binding.
      const circuit = await prove({
        ...answerInput(params),
        secret: B().holderSecret.toString(),
      }).then(
        () => 'a proof',
        (e: unknown) => describeError(e),
      );
      expectThat(
        circuit.startsWith('witness_failed'),
        'the circuit to refuse (witness_failed)',
        circuit,
      );
      // 3. A hands over its secret too: B's proof for B's account carries A's nullifier.
      const shared = await proveAnswer(params);
      const res = await submitAnswer(V().url, request, shared);
      const verdict = await json<{ verified?: boolean; code?: string }>(res);
      expectThat(
        res.status === 409 && verdict.code === 'nullifier_reused',
        "the verifier to refuse B's account (409 nullifier_reused)",
        `${res.status} ${verdict.code}`,
      );
      expectThat(
        shared.publicSignals[0] === a.body.publicSignals[0],
        "A's nullifier",
        'another nullifier',
      );
      return {
        observed:
          "B's wallet refuses A's credential (credential_invalid: issued to another DID); with B's secret the prover refuses (bad_input) and the circuit cannot be satisfied (witness_failed); with A's secret too, the verifier refuses B's account (409 nullifier_reused: one person, one account per scope)",
      };
    });

    await steps.step(S7, async () => {
      const seller = A().address as Address;
      const reputation = async () => {
        const got = await requestCredential(A(), {
          issuerUrl: I().url,
          type: 'reputation',
          role: 'seller',
        });
        const { attributes } = await showCredential(A(), got.id);
        return attributes as { score: number; trades: number };
      };
      /** Signs `events` as the marketplace and posts them to the issuer; all must be stored. */
      const post = async (events: PostedTradeEvent[]) => {
        const digest = batchDigest(marketKey.address, events);
        const res = await postJson(`${I().url}/trades`, {
          marketplace: marketKey.address,
          events,
          signature: await marketKey.signMessage({ message: { raw: digest } }),
        });
        const added = await json<{ added?: number; code?: string }>(res);
        expectThat(
          res.status === 200 && added.added === events.length,
          `the issuer to accept the ${events.length} signed events`,
          `${res.status} ${JSON.stringify(added)}`,
        );
      };
      const t = nowS() - 3_600;
      let listing = 1_000;
      /** A trade of `seller`'s listing bought by `buyer` for `priceWei`, rated 5★. */
      const trade = (buyer: string, priceWei: string): PostedTradeEvent[] => {
        const listingId = String(++listing);
        return [
          { type: 'TradeCompleted', listingId, seller, buyer, priceWei, blockTime: t + listing },
          { type: 'Rated', listingId, seller, score: 5, blockTime: t + listing + 1 },
        ];
      };
      const before = await reputation();
      // B, a KYC'd adult, gets its pass at the Marketplace: a verified counterparty.
      const pass = await agePassOnGate({
        chain: need(chain, 'the chain'),
        issuer: I(),
        wallet: B(),
      });
      expectThat(
        pass.verified,
        "B's KYC pass at the Marketplace (ZkGate)",
        pass.verified ? 'a pass' : `${pass.code}: ${pass.message}`,
      );

      const wash = [
        ...Array.from({ length: 5 }, () => trade(freshAccount(), ETH_HALF)), // puppets, no pass
        ...Array.from({ length: 5 }, () => trade(seller, ETH_HALF)), // self-trades
        ...Array.from({ length: 5 }, () => trade(B().address, '1')), // 1 wei, verified buyer
      ].flat();
      await post(wash);
      const washed = await reputation();
      expectThat(
        washed.trades === before.trades && washed.score === before.score,
        `trades ${before.trades}, score ${before.score} unchanged by wash trading`,
        `trades ${washed.trades}, score ${washed.score}`,
      );
      // One honest trade with B (its pass held, a real price) is counted: the events are read.
      await post(trade(B().address, ETH_HALF));
      const honest = await reputation();
      expectThat(
        honest.trades === before.trades + 1 && honest.score > before.score,
        `one honest trade to count: trades ${before.trades + 1}, score above ${before.score}`,
        `trades ${honest.trades}, score ${honest.score}`,
      );
      return {
        observed: `15 trades rated 5★ (5 sock puppets without a KYC pass, 5 self-trades, 5 at 1 wei) left A's seller credential at trades ${washed.trades}, score ${washed.score} (before: ${before.trades}, ${before.score}); one honest 0.5 ETH trade with KYC'd B then gave trades ${honest.trades}, score ${honest.score}`,
      };
    });

    await steps.step(S8, async () => {
      const first = await createProofRequest(market(KEY_B), 'adults-b');
      const ok = await respond(B(), first.requestUri, { yes: true });
      expectThat(ok.verified, 'B verified at market-b before the revocation', `${ok.code}`);
      const id = (await ageCredentialOf(B())).claim.credentialId;
      const revoked = await postJson(`${I().url}/admin/credentials/${id}/revoke`, {}, admin);
      const r = await json<{ changed?: boolean; root?: string; code?: string }>(revoked);
      expectThat(
        revoked.status === 200 && r.changed === true,
        'the revocation recorded',
        `${revoked.status} ${r.code}`,
      );
      await I().publishNow();
      const c = need(chain, 'the chain');
      const onChain = await getCurrentRoot(
        createClients({ rpcUrl: c.rpcUrl, chainId: c.chainId }).publicClient,
        {
          gate: I().deployment.contracts.zkGate.address,
          issuerKeyHash: I().issuerKeyHash,
        },
      );
      expectThat(
        onChain?.root.toString() === r.root,
        `root ${short(r.root ?? '')} on-chain`,
        `${onChain?.root}`,
      );
      const next = await createProofRequest(market(KEY_B), 'adults-b');
      const refused = await respond(B(), next.requestUri, { yes: true }).then(
        (x) => `verified=${x.verified}`,
        (e: unknown) => describeError(e),
      );
      expectThat(refused.startsWith('revoked'), "B's wallet to refuse to prove (revoked)", refused);
      const status = await requestStatus(next.id, KEY_B);
      expectThat(
        status.status === 'pending',
        'nothing sent: the request still pending',
        status.status,
      );
      return {
        observed: `B verified before; the issuer revoked credential ${id} and published root ${short(r.root!)} on-chain; B's next proof is refused by its wallet (revoked: not in the published tree), nothing sent`,
      };
    });

    await steps.step(S9, async () => {
      const a = need(toA, 'step 3');
      const request = await createProofRequest(market(KEY_A), 'adults-a');
      const given = await respond(A(), request.requestUri, { yes: true, account: a.account });
      expectThat(
        given.verified,
        'A verified at market-a (its consent kept by the wallet)',
        `${given.code}`,
      );
      const consent = await withdrawConsent(A(), given.receiptId);
      const notice = consent.verifierNotice;
      expectThat(
        consent.status === 'withdrawn' &&
          notice?.state === 'erased' &&
          typeof notice.record === 'string',
        'withdrawn, and the verifier erased it with a deletion record',
        `${consent.status}, ${notice?.state}: ${JSON.stringify(notice?.error ?? null)}`,
      );
      await checkErasureRecord(notice.record!, {
        resolver: A().resolver,
        now: nowS(),
        verifier: V().did,
        receiptHash: consent.receiptHash,
      });
      const erased = (decodeJWT(notice.record!).payload as { erasure?: { erased?: unknown[] } })
        .erasure;
      expectThat(
        (erased?.erased?.length ?? 0) > 0,
        'the record to name the erased entry',
        JSON.stringify(erased),
      );
      const status = await requestStatus(request.id);
      expectThat(status.status === 'withdrawn', 'the request withdrawn', status.status);
      return {
        observed: `A withdrew; the verifier erased its record and signed a deletion record (zkrep-erasure+jwt) that verifies against its DID on-chain; the request shows withdrawn`,
      };
    });

    await steps.step(S10, async () => {
      const res = await postJson(
        `${V().url}/v1/reports`,
        { from, to: nowS() + 60 },
        market(KEY_A).headers,
      );
      const { jwt, code } = await json<{ jwt?: string; code?: string }>(res);
      expectThat(
        res.status === 200 && typeof jwt === 'string',
        'a report for market-a',
        `${res.status} ${code}`,
      );
      const checked = await verifyReportCli(
        { work, chain: need(chain, 'the chain') },
        jwt!,
        '--json',
      );
      const result = JSON.parse(checked.stdout || '{}') as {
        ok?: boolean;
        checks?: { check: string; ok: boolean; message: string }[];
      };
      const failed = (result.checks ?? []).filter((c) => !c.ok);
      expectThat(
        checked.code === 0 && result.ok === true && failed.length === 0,
        '`zkrep report verify` to accept it (exit 0)',
        `exit ${checked.code}: ${failed.map((c) => `${c.check}: ${c.message}`).join('; ') || checked.stderr.trim()}`,
      );
      const erasures = result.checks!.find((c) => c.check === 'erasures');
      const report = reportOf(jwt!);
      expectThat(
        (report.counts.withdrawals ?? 0) >= 1 &&
          erasures !== undefined &&
          !/^0 /.test(erasures.message),
        'the withdrawal counted and its erasure accounted for',
        `${report.counts.withdrawals} withdrawals; ${erasures?.message}`,
      );
      const secrets = [BIRTH.A, BIRTH.B, A().did, B().did, A().address, B().address];
      for (const x of [toA, toB]) if (x) secrets.push(x.account);
      const text = `${JSON.stringify(report)}\n${jwt}`;
      // What a report is for is in it: the policies' own thresholds, not the holders' values.
      expectThat(text.includes('ageAtLeast'), 'the report to name the policy’s predicate', 'none');
      const found = leaked(text, secrets);
      expectThat(
        found.length === 0,
        'no birth date, holder DID or account in the report',
        found.join(', '),
      );
      return {
        observed: `signed report of ${report.counts.events} events verified by \`zkrep report verify\` (${result.checks!.map((c) => c.check).join(', ')}: all ok; ${erasures!.message}); no birth date, holder DID or account in it`,
      };
    });
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await shutdownZk().catch(() => undefined);
  }
  return steps;
}

/** `x`, or an error saying which earlier step did not provide it. */
function need<T>(x: T | undefined, what: string): T {
  if (x === undefined) throw new Error(`${what} is not there (an earlier step failed)`);
  return x;
}

/** A long identifier shortened for a line: its first 10 and last 4 characters. */
function short(x: string): string {
  return x.length > 18 ? `${x.slice(0, 10)}…${x.slice(-4)}` : x;
}
