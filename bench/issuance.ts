/**
 * Issuance bench (BENCH.md `issuance`): the issuer's Veramo agent issuing and verifying JWT
 * credentials, next to raw did-jwt-vc doing the same with the same key, payload and resolver,
 * interleaved in rounds (A B A B …) on an embedded anvil with the ERC-1056 registry. Also the
 * full issuance path (schema check, zk claim signature, database record, JWT). Prints JSON.
 *
 *   npx tsx bench/issuance.ts [--quick]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients, deploy, startAnvil } from '#contracts';
import { createIssuerAgent } from '#issuer';
import { ethrResolver, openDatabase } from '#platform';
import {
  loadVerificationKey,
  holderCommitment,
  holderSecretFromSeed,
  shutdownZk,
  verifierSolidityPath,
} from '#zk';
import { SecretBox } from '@veramo/kms-local';
import { PrivateKeyStore } from '@veramo/data-store';
import { ES256KSigner } from 'did-jwt';
import { createVerifiableCredentialJwt, verifyCredential, type Issuer } from 'did-jwt-vc';
import { issueCredential } from '../issuer/domain/credentials.js';
import { loadOrCreateIdentity } from '../issuer/domain/identity.js';
import { loadOrCreateZkKey } from '../issuer/domain/zk-key.js';
import { ISSUER_ENTITIES, ISSUER_MIGRATIONS } from '../issuer/store/schema.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 6;
const ROUND_MS = quick ? 700 : 1500;
const OWNER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

async function rate(fn: () => Promise<unknown>, ms: number): Promise<number> {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    await fn();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'zkrep-bench-issuance-'));
  const chain = await startAnvil();
  try {
    const { publicClient, walletClient } = createClients({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      account: { privateKey: OWNER_KEY },
    });
    const { deployment } = await deploy({
      publicClient,
      walletClient,
      verifierSourcePath: verifierSolidityPath(),
      verificationKey: loadVerificationKey(),
      deploymentsDir: null,
    });
    const network = {
      name: `0x${chain.chainId.toString(16)}`,
      chainId: chain.chainId,
      rpcUrl: chain.rpcUrl,
      registry: deployment.contracts.didRegistry.address,
    };
    const secret = 'ab'.repeat(32);
    const ds = await openDatabase({
      sqlitePath: join(work, 'issuer.sqlite'),
      entities: ISSUER_ENTITIES,
      migrations: ISSUER_MIGRATIONS,
    });
    const agent = createIssuerAgent({ dataSource: ds, kmsSecretKey: secret, network });
    const identity = await loadOrCreateIdentity(agent);
    const zkKey = await loadOrCreateZkKey(ds, new SecretBox(secret));
    const key = await new PrivateKeyStore(ds, new SecretBox(secret)).getKey({
      alias: identity.controllerKid,
    });
    const raw: Issuer = {
      did: identity.did,
      signer: ES256KSigner(Buffer.from(key.privateKeyHex, 'hex')),
      alg: 'ES256K',
    };
    // Both verify against the chain through a did:ethr resolver with the same (30 s) cache.
    const resolver = ethrResolver(network);
    const subject = { id: 'did:ethr:0x7a69:0x000000000000000000000000000000000000dead', score: 92 };
    const now = Math.floor(Date.now() / 1000);
    const vcPayload = {
      sub: subject.id,
      nbf: now,
      exp: now + 86_400,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'MarketplaceReputationCredential'],
        credentialSubject: subject,
      },
    };
    const agentIssue = async () =>
      (
        await agent.createVerifiableCredential({
          credential: {
            issuer: { id: identity.did },
            type: ['VerifiableCredential', 'MarketplaceReputationCredential'],
            credentialSubject: subject,
            expirationDate: new Date((now + 86_400) * 1000).toISOString(),
          },
          proofFormat: 'jwt',
          save: false,
        })
      ).proof.jwt as string;
    const rawIssue = () => createVerifiableCredentialJwt(vcPayload, raw);
    const jwt = await agentIssue();
    const agentVerify = async () => {
      const r = await agent.verifyCredential({ credential: jwt });
      if (!r.verified) throw new Error('agent verification failed');
    };
    const rawVerify = async () => {
      await verifyCredential(jwt, resolver);
    };
    const holder = holderCommitment(holderSecretFromSeed(new Uint8Array(32).fill(3))).toString();
    const fullIssue = () =>
      issueCredential(
        {
          agent,
          dataSource: ds,
          identity,
          zkKey,
          baseUrl: 'http://127.0.0.1:8081',
          now: () => now,
        },
        {
          type: 'MarketplaceReputationCredential',
          holderDid: subject.id,
          holderCommitment: holder,
          attributes: {
            score: 92,
            trades: 31,
            disputeRate: 12,
            memberSince: '2024-01-15',
            role: 'seller',
          },
        },
      );
    // warm-up
    for (let i = 0; i < 20; i++) {
      await agentIssue();
      await rawIssue();
      await agentVerify();
      await rawVerify();
      await fullIssue();
    }
    const r: Record<string, number[]> = { ai: [], ri: [], av: [], rv: [], fi: [] };
    for (let i = 0; i < ROUNDS; i++) {
      r.ai!.push(await rate(agentIssue, ROUND_MS));
      r.ri!.push(await rate(rawIssue, ROUND_MS));
      r.av!.push(await rate(agentVerify, ROUND_MS));
      r.rv!.push(await rate(rawVerify, ROUND_MS));
      r.fi!.push(await rate(fullIssue, ROUND_MS));
    }
    const issuePerSec = median(r.ai!);
    const verifyCredentialPerSec = median(r.av!);
    const baseIssue = median(r.ri!);
    const baseVerify = median(r.rv!);
    const out = {
      issuePerSec: Math.round(issuePerSec),
      verifyCredentialPerSec: Math.round(verifyCredentialPerSec),
      baselineDidJwtVcIssuePerSec: Math.round(baseIssue),
      baselineDidJwtVcVerifyPerSec: Math.round(baseVerify),
      issueRatio: Number((issuePerSec / baseIssue).toFixed(2)),
      verifyRatio: Number((verifyCredentialPerSec / baseVerify).toFixed(2)),
      fullIssuancePerSec: Math.round(median(r.fi!)),
      targets: { issueRatio: 0.25, verifyRatio: 0.5 },
      targetsMet: {
        issueRatio: issuePerSec / baseIssue >= 0.25,
        verifyRatio: verifyCredentialPerSec / baseVerify >= 0.5,
      },
      method: `${ROUNDS} interleaved rounds of ${ROUND_MS} ms per measure, medians; same key, payload and did:ethr resolver (30 s cache) on an embedded anvil; fullIssuancePerSec: the issuer's whole path (schema check, EdDSA-Poseidon claim signature, SQLite record, JWT)`,
    };
    await ds.destroy();
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await chain.stop();
    await shutdownZk();
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench/issuance: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  },
);
