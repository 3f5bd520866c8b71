/**
 * The wallet agent end to end, against a real anvil chain with the contracts, the real issuer
 * and two real verifiers, with real Groth16 proofs:
 *
 * - through the CLI (`bin/zkrep.mjs`, its own process): init → request-credential → respond →
 *   verified, then history, consents, backup/restore and recover (withdraw, told to the verifier:
 *   wallet-withdraw.e2e.test.ts); every failure is one line and a non-zero exit;
 * - W09 unlinkability: one holder's proofs to two verifiers, and to two policies of one
 *   verifier, share no holder-specific value (every value they share, another holder's proofs
 *   to the same requests share too), and their nullifiers differ;
 * - W08: a request for an exact birth date is refused before consent, and logged;
 * - W08, attributes beyond the registration: a request bound to a policy in ZkGate is checked
 *   against that registration on the chain (a real verifier's mirrored policy passes; a request
 *   from a verifier of our own making, signed with its DID key, that asks for other predicates,
 *   another schema or other issuers than it registered is refused before consent; a disabled,
 *   unknown or foreign registration is refused; an unreadable chain is `chain_unreachable`);
 *   an off-chain request carries an `unregistered` caution;
 * - W10: a presentation that fails mid-way is logged with its stage and reason, with attribute
 *   names and predicates only.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ES256KSigner, type Signer } from 'did-jwt';
import {
  createClients,
  createPolicy as createChainPolicy,
  disablePolicy as disableChainPolicy,
  type AnvilChain,
  type PolicyInput as ChainPolicyInput,
} from '#contracts';
import type { RunningIssuer } from '#issuer';
import type { RunningVerifier } from '#verifier';
import {
  compilePolicy,
  signRequestObject,
  walletUrl,
  type CompiledPolicy,
  type RequestBinding,
  type RequestPredicate,
} from '#platform';
import {
  listConsents,
  listPresentations,
  newConsentReceipt,
  openRequest,
  proveRequest,
  respond,
  type Wallet,
} from '#wallet';
import { REPUTATION_SCHEMA, shutdownZk } from '#zk';
import { getAddress, hexToBytes, type Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { postJson, recordKyc } from '../helpers/holder.js';
import { walletWithAge } from '../helpers/wallet.js';
import {
  DEV_KEYS,
  TEST_ADMIN_KEY,
  devClients,
  startDeployedChain,
  startTestIssuer,
  startTestVerifier,
} from '../helpers/stack.js';
import { zkrepIsolated } from '../helpers/market.js';
import { agePolicyBody, agePolicyInput } from '../fixtures/policies.js';
import { requestClaims } from '../../verifier/domain/requests.js';

const MARKET_KEY = 'market-key-for-wallet-tests-0123';
const PASS = 'wallet passphrase for tests';
const BIRTH_DATE = '1990-02-28';

let chain: AnvilChain;
let work: string;
let issuer: RunningIssuer;
let v1: RunningVerifier;
let v2: RunningVerifier;
const market = { authorization: `Bearer ${MARKET_KEY}` };

/** Runs `zkrep …` in its own process, HOME in the work folder. */
const zkrep = (args: string[], env: Record<string, string>) => zkrepIsolated(work, args, env);

const kyc = (did: string): Promise<void> => recordKyc(issuer.url, TEST_ADMIN_KEY, did, BIRTH_DATE);

async function policy(v: RunningVerifier, id: string, over: Record<string, unknown> = {}) {
  const res = await postJson(
    `${v.url}/v1/policies`,
    agePolicyBody(issuer.issuerKeyHash.toString(), { id, ...over }),
    market,
  );
  expect(res.status).toBe(201);
}

async function proofRequest(v: RunningVerifier, policyId: string) {
  const res = await postJson(`${v.url}/v1/requests`, { policyId }, market);
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; walletUrl: string; requestUri: string };
}

async function requestStatus(v: RunningVerifier, id: string): Promise<string> {
  const res = await fetch(`${v.url}/v1/requests/${id}`, { headers: market });
  return ((await res.json()) as { status: string }).status;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-wallet-e2e-'));
  chain = await startDeployedChain(work);
  issuer = await startTestIssuer(chain, work);
  const shop = { marketplace: 'shop', apiKey: MARKET_KEY };
  v1 = await startTestVerifier(chain, work, { name: 'v1', ...shop });
  v2 = await startTestVerifier(chain, work, { name: 'v2', ...shop });
  await policy(v1, 'adults');
  await policy(v1, 'adults-too', { purpose: 'Tobacco may only be sold to adults.' });
  await policy(v2, 'adults');
  await policy(v1, 'exact-birth-date', {
    predicates: [{ attribute: 'birthDate', op: 'eq', value: BIRTH_DATE }],
  });
}, 240_000);

afterAll(async () => {
  await v1?.close().catch(() => undefined);
  await v2?.close().catch(() => undefined); // closed by the W10 test
  await issuer?.close();
  await chain?.stop();
  await shutdownZk();
  await rm(work, { recursive: true, force: true });
});

describe('the wallet CLI', () => {
  it('takes a holder from init to a verified proof, and keeps what happened', async () => {
    const env = {
      ZKREP_WALLET_DIR: join(work, 'cli-wallet'),
      ZKREP_WALLET_PASSPHRASE: PASS,
      RPC_URL: chain.rpcUrl,
      ZKREP_DEPLOYMENTS_DIR: join(work, 'deployments'),
    };
    const init = await zkrep(['wallet', 'init', '--json'], env);
    expect([init.code, init.stderr]).toEqual([0, '']);
    const { did, recoveryPhrase } = JSON.parse(init.stdout) as {
      did: string;
      recoveryPhrase: string;
    };
    expect(did).toMatch(/^did:ethr:0x7a69:0x[0-9a-fA-F]{40}$/);
    expect(recoveryPhrase.split(' ')).toHaveLength(24);

    await kyc(did);
    const got = await zkrep(['wallet', 'request-credential', issuer.url, 'age', '--json'], env);
    expect([got.code, got.stderr]).toEqual([0, '']);
    const credential = JSON.parse(got.stdout) as { id: string; type: string };
    expect(credential.type).toBe('AgeCredential');

    const list = await zkrep(['wallet', 'list', '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: credential.id })]);
    expect(list.stdout).not.toContain(BIRTH_DATE);
    const show = await zkrep(['wallet', 'show', credential.id.slice(0, 8)], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`birthDate: ${BIRTH_DATE}`);

    const request = await proofRequest(v1, 'adults');
    // Without a terminal and without --yes nobody can consent: refused, nothing sent.
    const noConsent = await zkrep(['wallet', 'respond', request.walletUrl], env);
    expect(noConsent.code).toBe(1);
    expect(noConsent.stderr).toContain('you are at least 18 years old');
    // An off-chain policy: the caution that there is no registration to check it against.
    expect(noConsent.stderr).toContain('  ! its policy is not registered on-chain');
    expect(noConsent.stderr.trim().split('\n').at(-1)).toMatch(
      /^zkrep wallet: .*\(consent_declined\)$/,
    );
    expect(await requestStatus(v1, request.id)).toBe('pending');

    const answered = await zkrep(['wallet', 'respond', request.walletUrl, '--yes', '--json'], env);
    expect([answered.code, answered.stderr.includes('Proving')]).toEqual([0, true]);
    const result = JSON.parse(answered.stdout) as {
      verified: boolean;
      receiptId: string;
      account: string;
    };
    expect(result.verified).toBe(true);
    expect(await requestStatus(v1, request.id)).toBe('verified');

    // Answering again: one line, its code, no stack trace.
    const again = await zkrep(['wallet', 'respond', request.walletUrl, '--yes'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/request_completed/);
    expect(again.stderr).not.toMatch(/\n\s+at /);

    const history = JSON.parse((await zkrep(['wallet', 'history', '--json'], env)).stdout) as {
      outcome: string;
      predicates: unknown;
    }[];
    expect(history.map((h) => h.outcome)).toEqual(['failed', 'verified', 'declined']);
    expect(history[1]!.predicates).toEqual([
      { attribute: 'birthDate', op: 'ageAtLeast', value: 18 },
    ]);
    expect(JSON.stringify(history)).not.toContain(BIRTH_DATE);

    const consents = JSON.parse((await zkrep(['wallet', 'consents', '--json'], env)).stdout) as {
      receiptId: string;
      status: string;
      account: string;
      receipt: Record<string, unknown>;
    }[];
    expect(consents.map((c) => c.status)).toContain('given');
    // The receipt (v2) names no account; the wallet keeps the account beside it, for the holder.
    const given = consents.find((c) => c.receiptId === result.receiptId)!;
    expect(given.receipt).toMatchObject({ version: 'zkrep-consent/2' });
    expect(given.receipt).not.toHaveProperty('account');
    expect(given.account).toBe(result.account);
    // Its withdrawal, told to the verifier: test/e2e/wallet-withdraw.e2e.test.ts.

    // Nothing personal in the wallet file in the clear.
    const file = readFileSync(join(env.ZKREP_WALLET_DIR, 'wallet.sqlite'));
    expect(file.includes(Buffer.from(BIRTH_DATE))).toBe(false);

    // Wrong passphrase, bad arguments, help.
    const wrong = await zkrep(['wallet', 'list'], {
      ...env,
      ZKREP_WALLET_PASSPHRASE: 'not it at all',
    });
    expect([wrong.code, wrong.stderr.trim()]).toEqual([
      1,
      'zkrep wallet: wrong passphrase (wrong_passphrase)',
    ]);
    const usage = await zkrep(['wallet', 'respond'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim().split('\n')).toHaveLength(1);
    const help = await zkrep(['wallet', 'respond', '--help'], env);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('--yes')]);

    // Backup → restore elsewhere, and recovery from the phrase: the same DID.
    const backupFile = join(work, 'cli.backup');
    expect((await zkrep(['wallet', 'backup', backupFile], env)).code).toBe(0);
    const restored = await zkrep(['wallet', 'restore', backupFile, '--json'], {
      ...env,
      ZKREP_WALLET_DIR: join(work, 'cli-restored'),
    });
    expect(JSON.parse(restored.stdout)).toMatchObject({ did, credentials: 1 });
    const recovered = await zkrep(['wallet', 'recover', '--json'], {
      ...env,
      ZKREP_WALLET_DIR: join(work, 'cli-recovered'),
      ZKREP_WALLET_PHRASE: recoveryPhrase,
    });
    expect(JSON.parse(recovered.stdout)).toMatchObject({ did });
  });
});

describe('the wallet library', () => {
  let alice: Wallet;
  let bob: Wallet;
  /** One clock for both holders' proofs (set once their credentials are issued). */
  let NOW: number | undefined;
  const clock = (): number => NOW ?? Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    for (const name of ['alice', 'bob']) {
      const wallet = await walletWithAge({
        dir: join(work, name),
        chain,
        issuer,
        passphrase: PASS,
        birthDate: BIRTH_DATE,
        now: clock,
      });
      if (name === 'alice') alice = wallet;
      else bob = wallet;
    }
    NOW = Math.floor(Date.now() / 1000) + 1;
  }, 120_000);

  afterAll(async () => {
    await alice?.close();
    await bob?.close();
  });

  it('W09: proofs to two verifiers and to two policies share no holder-specific value', async () => {
    const destinations: [RunningVerifier, string][] = [
      [v1, 'adults'],
      [v1, 'adults-too'],
      [v2, 'adults'],
    ];
    /** Every leaf value (as a string) of each wallet's answer to each destination. */
    const leaves = (x: unknown, out = new Set<string>()): Set<string> => {
      if (Array.isArray(x)) x.forEach((y) => leaves(y, out));
      else if (x && typeof x === 'object') Object.values(x).forEach((y) => leaves(y, out));
      else out.add(String(x).toLowerCase());
      return out;
    };
    const answers = new Map<Wallet, { body: unknown; nullifier: string }[]>();
    for (const [i, w] of [alice, bob].entries()) {
      const list = [];
      for (const [j, [v, policyId]] of destinations.entries()) {
        const request = await proofRequest(v, policyId);
        const opened = await openRequest(w, request.walletUrl);
        // A separate account per marketplace (a shared account would link them by design).
        const account = getAddress(`0x${(0xa000 + i * 16 + j).toString(16).padStart(40, '0')}`);
        const receipt = await newConsentReceipt(w, opened);
        const body = await proveRequest(w, opened, receipt, account);
        const res = await postJson(opened.responseUri, body);
        expect([res.status, ((await res.json()) as { verified: boolean }).verified]).toEqual([
          200,
          true,
        ]);
        list.push({ body, nullifier: body.publicSignals[0]! });
      }
      answers.set(w, list);
    }
    const a = answers.get(alice)!;
    const b = answers.get(bob)!;
    expect(new Set(a.map((x) => x.nullifier)).size).toBe(3);
    const bobValues = new Set(b.flatMap((x) => [...leaves(x.body)]));
    for (const [x, y] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      const shared = [...leaves(a[x]!.body)].filter((v) => leaves(a[y]!.body).has(v));
      expect(shared.length).toBeGreaterThan(0); // protocol constants, issuer, root, time…
      expect(shared.filter((v) => !bobValues.has(v))).toEqual([]);
    }
  });

  it('W08: a request for an exact birth date is refused before consent, and logged', async () => {
    const request = await proofRequest(v1, 'exact-birth-date');
    let asked = false;
    await expect(
      respond(alice, request.walletUrl, {
        consent: async () => {
          asked = true;
          return true;
        },
      }),
    ).rejects.toMatchObject({ code: 'request_untrusted' });
    expect(asked).toBe(false);
    expect(await requestStatus(v1, request.id)).toBe('pending');
    const [last] = await listPresentations(alice);
    expect(last).toMatchObject({
      outcome: 'failed',
      stage: 'review',
      reasonCode: 'request_untrusted',
    });
    expect(last!.predicates).toEqual([{ attribute: 'birthDate', op: 'eq', value: BIRTH_DATE }]);
  });

  it('W10: a presentation failing mid-way is logged with its stage and reason', async () => {
    const request = await proofRequest(v2, 'adults');
    // The verifier goes away after consent: the proof is made, the submission fails.
    await expect(
      respond(bob, request.walletUrl, {
        consent: async () => {
          await v2.close();
          return true;
        },
      }),
    ).rejects.toMatchObject({ code: 'service_unreachable' });
    const [last] = await listPresentations(bob);
    expect(last).toMatchObject({
      outcome: 'failed',
      stage: 'submit',
      reasonCode: 'service_unreachable',
      policyId: 'adults',
    });
    expect(last!.receiptId).not.toBeNull();
  });
});

/**
 * A verifier of our own making (W08, attributes beyond the registration): a did:ethr key that
 * signs request objects asking what the test chooses, bound to policies the test registers in
 * ZkGate itself; it serves them over HTTP and records every answer posted to it.
 */
interface OwnVerifier {
  did: string;
  signer: Signer;
  url: string;
  server: Server;
  objects: Map<string, string>;
  posted: string[];
}

async function startOwnVerifier(): Promise<OwnVerifier> {
  const key = generatePrivateKey();
  const did = `did:ethr:0x${chain.chainId.toString(16)}:${privateKeyToAccount(key).address}`;
  const objects = new Map<string, string>();
  const posted: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const jwt = objects.get(req.url?.replace(/^\/request\//, '') ?? '');
      if (req.method === 'GET' && jwt) {
        res.writeHead(200, { 'content-type': 'application/oauth-authz-req+jwt' }).end(jwt);
      } else if (req.method === 'POST' && req.url === '/response') {
        posted.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"verified":false}');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const signer = ES256KSigner(hexToBytes(key));
  return { did, signer, url: `http://127.0.0.1:${port}`, server, objects, posted };
}

describe("W08: a request against its verifier's on-chain registration", () => {
  let carol: Wallet;
  let v3: RunningVerifier;
  let own: OwnVerifier;
  let gate: Address;
  const AGE_18: RequestPredicate = { attribute: 'birthDate', op: 'ageAtLeast', value: 18 };
  const KYC_2: RequestPredicate = { attribute: 'kycLevel', op: 'gte', value: 2 };

  /** "Adults only" asking `predicates`, compiled as a verifier does. */
  const asking = (predicates: RequestPredicate[]): CompiledPolicy =>
    compilePolicy(
      agePolicyInput({
        id: 'own-adults',
        trustedIssuers: [issuer.issuerKeyHash.toString()],
        predicates,
      }),
    );

  /** Registers `p` in ZkGate (with `over` changed), as its verifier; returns its policy id. */
  async function register(
    p: CompiledPolicy,
    over: Partial<ChainPolicyInput> = {},
  ): Promise<string> {
    const { publicClient, walletClient } = devClients(chain, 'funder');
    const { policyId } = await createChainPolicy({
      publicClient,
      walletClient,
      gate,
      policy: {
        queryHash: p.queryHash,
        schema: p.query.schema,
        issuers: p.trustedIssuers.map((k) => BigInt(k)),
        maxRootAge: p.maxRootAgeSeconds,
        maxProofAge: p.maxProofAgeSeconds,
        passLifetime: p.passLifetimeSeconds,
        ...over,
      },
    });
    return policyId.toString();
  }

  const bound = (policyId: string, over: Partial<RequestBinding> = {}): RequestBinding =>
    ({ kind: 'gate', chainId: chain.chainId, gate, policyId, ...over }) as RequestBinding;

  /** A request object of our verifier asking `p` under `binding`, signed; its wallet link. */
  async function ownRequest(p: CompiledPolicy, binding: RequestBinding): Promise<string> {
    const id = randomUUID();
    const claims = requestClaims(
      p,
      { id, challenge: `0x${randomBytes(32).toString('hex')}` },
      binding,
    );
    const now = Math.floor(Date.now() / 1000);
    const jwt = await signRequestObject({
      did: own.did,
      signer: own.signer,
      responseUri: `${own.url}/response`,
      claims,
      iat: now,
      exp: now + 600,
    });
    own.objects.set(id, jwt);
    return walletUrl({ clientId: own.did, requestUri: `${own.url}/request/${id}` });
  }

  const warningsOf = async (link: string) => (await openRequest(carol, link)).disclosure.warnings;
  const beyond = (words: string) => ({
    kind: 'beyond_registration',
    severity: 'refuse',
    message: expect.stringContaining(words),
  });

  beforeAll(async () => {
    gate = issuer.deployment.contracts.zkGate.address;
    // A verifier with a relayer key: it mirrors its policies into ZkGate on request.
    v3 = await startTestVerifier(chain, work, {
      name: 'v3',
      marketplace: 'shop',
      apiKey: MARKET_KEY,
      over: { VERIFIER_RELAYER_KEY: DEV_KEYS.relayer },
    });
    await policy(v3, 'adults-on-chain', { onChain: true });
    carol = await walletWithAge({ dir: join(work, 'carol'), chain, issuer, passphrase: PASS });
    own = await startOwnVerifier();
  }, 120_000);

  afterAll(async () => {
    await carol?.close();
    await v3?.close();
    await new Promise((resolve) => own?.server.close(resolve));
  });

  it('a request matching its registration carries no registration warning and is answered', async () => {
    const request = await proofRequest(v3, 'adults-on-chain');
    const opened = await openRequest(carol, request.walletUrl);
    expect(opened.claims.binding).toMatchObject({ kind: 'gate', chainId: chain.chainId, gate });
    expect(opened.disclosure.warnings).toEqual([]);
    const result = await respond(carol, request.walletUrl, { yes: true });
    expect([result.verified, result.disclosure.warnings]).toEqual([true, []]);
    expect(await requestStatus(v3, request.id)).toBe('verified');
  });

  it('a request asking for other predicates than it registered is refused before consent, and logged', async () => {
    const asked = asking([AGE_18, KYC_2]);
    // Bound to a registration of just what it asks, the same request passes.
    expect(await warningsOf(await ownRequest(asked, bound(await register(asked))))).toEqual([]);

    const registered = await register(asking([AGE_18]));
    const link = await ownRequest(asked, bound(registered));
    expect(await warningsOf(link)).toEqual([
      beyond('its predicates differ from those of its registered policy'),
    ]);
    let consentAsked = false;
    await expect(
      respond(carol, link, {
        consent: async () => {
          consentAsked = true;
          return true;
        },
      }),
    ).rejects.toMatchObject({
      code: 'request_untrusted',
      message: expect.stringContaining('other than what it registered on-chain'),
    });
    expect(consentAsked).toBe(false);
    expect(own.posted).toEqual([]); // nothing proved, nothing sent
    expect((await listConsents(carol)).map((c) => c.receipt.verifier)).not.toContain(own.did);
    // Our verifier's only entry in the log (ordered by the second, so filtered rather than first).
    const logged = (await listPresentations(carol)).filter((e) => e.verifier === own.did);
    expect(logged).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        stage: 'review',
        reasonCode: 'request_untrusted',
        predicates: [AGE_18, KYC_2],
      }),
    ]);
  });

  it('another credential type or issuers the registration does not list are refused too', async () => {
    const asked = asking([AGE_18]);
    const otherSchema = await register(asked, { schema: REPUTATION_SCHEMA.id });
    const otherIssuers = await register(asked, { issuers: [123_456_789n] });
    expect(await warningsOf(await ownRequest(asked, bound(otherSchema)))).toEqual([
      beyond('AgeCredential, which is not the credential type of its registered policy'),
    ]);
    expect(await warningsOf(await ownRequest(asked, bound(otherIssuers)))).toEqual([
      beyond('it trusts issuers that its registered policy'),
    ]);
  });

  it('a disabled, unknown, foreign-chain or foreign-gate registration is refused', async () => {
    const asked = asking([AGE_18]);
    const id = await register(asked);
    const link = await ownRequest(asked, bound(id));
    await expect(openRequest(carol, link)).resolves.toMatchObject({ verifier: own.did });
    const { publicClient, walletClient } = devClients(chain, 'funder');
    await disableChainPolicy({ publicClient, walletClient, gate, policyId: BigInt(id) });
    const untrusted = (words: string) => ({
      code: 'request_untrusted',
      message: expect.stringContaining(words),
    });
    await expect(openRequest(carol, link)).rejects.toMatchObject(untrusted('has disabled'));
    await expect(respond(carol, link, { yes: true })).rejects.toMatchObject(
      untrusted('has disabled'),
    );
    const logged = (await listPresentations(carol)).filter(
      (e) => e.verifier === own.did && e.stage === 'request',
    );
    expect(logged).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        reasonCode: 'request_untrusted',
        predicates: [AGE_18],
      }),
    ]);

    const live = await register(asked);
    await expect(
      openRequest(carol, await ownRequest(asked, bound('999999'))),
    ).rejects.toMatchObject(untrusted('is not registered at the gate'));
    await expect(
      openRequest(carol, await ownRequest(asked, bound(live, { chainId: 1 }))),
    ).rejects.toMatchObject(untrusted('on chain 1, but this wallet is on chain'));
    const elsewhere = issuer.deployment.contracts.didRegistry.address;
    await expect(
      openRequest(carol, await ownRequest(asked, bound(live, { gate: elsewhere }))),
    ).rejects.toMatchObject(untrusted("which is not this chain's zkrep gate"));
    expect(own.posted).toEqual([]);
  });

  it('a chain that cannot be read is chain_unreachable, never a silent accept', async () => {
    const asked = asking([AGE_18]);
    const link = await ownRequest(asked, bound(await register(asked)));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const down = createClients({ rpcUrl: `http://127.0.0.1:${port}`, chainId: chain.chainId });
    const context = { resolver: carol.resolver, now: carol.now };
    await expect(
      openRequest(
        { ...context, registration: { ...carol.registration, publicClient: down.publicClient } },
        link,
      ),
    ).rejects.toMatchObject({ code: 'chain_unreachable' });
    await expect(openRequest(context, link)).rejects.toMatchObject({ code: 'chain_unreachable' });
    await expect(
      openRequest({ ...context, registration: carol.registration }, link),
    ).resolves.toMatchObject({ disclosure: { warnings: [] } });
  });

  it('an off-chain request, and a wallet that does not know its gate, are cautioned', async () => {
    const request = await proofRequest(v1, 'adults');
    const opened = await openRequest(carol, request.walletUrl);
    expect(opened.claims.binding.kind).toBe('verifier');
    expect(opened.disclosure.warnings).toEqual([
      {
        kind: 'unregistered',
        severity: 'caution',
        message: expect.stringContaining('its policy is not registered on-chain'),
      },
    ]);

    const asked = asking([AGE_18]);
    const link = await ownRequest(asked, bound(await register(asked)));
    const { gate: _known, ...unknownGate } = carol.registration;
    const { disclosure } = await openRequest(
      { resolver: carol.resolver, now: carol.now, registration: unknownGate },
      link,
    );
    expect(disclosure.warnings).toEqual([
      {
        kind: 'unregistered',
        severity: 'caution',
        message: expect.stringContaining("does not know its chain's zkrep gate"),
      },
    ]);
  });
});
