/**
 * A development helper for trying the issuer with curl: it plays the holder's side of DID
 * authentication (the wallet agent does this for real users). It keeps a throwaway holder key
 * in a file, and prints either the holder DID or a fresh authentication JWT for `POST
 * /credentials`.
 *
 *   npx tsx issuer/scripts/holder-auth.ts did   --issuer http://127.0.0.1:8081 --key holder.json
 *   npx tsx issuer/scripts/holder-auth.ts proof --issuer http://127.0.0.1:8081 --key holder.json \
 *       --type AgeCredential [--role seller]
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { holderCommitment, holderSecretFromSeed } from '#zk';
import { ES256KSigner, createJWT } from 'did-jwt';
import { Wallet } from 'ethers';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const command = process.argv[2];
  const issuer = arg('issuer');
  const keyFile = arg('key') ?? 'holder.json';
  if ((command !== 'did' && command !== 'proof') || !issuer) {
    throw new Error(
      'usage: holder-auth.ts did|proof --issuer URL [--key FILE] [--type T] [--role R]',
    );
  }
  if (!existsSync(keyFile)) {
    const w = Wallet.createRandom();
    writeFileSync(
      keyFile,
      JSON.stringify({ privateKey: w.privateKey, seed: randomBytes(32).toString('hex') }),
      { mode: 0o600 },
    );
  }
  const saved = JSON.parse(readFileSync(keyFile, 'utf8')) as { privateKey: string; seed: string };
  const wallet = new Wallet(saved.privateKey);
  const info = (await (await fetch(`${issuer}/issuer`)).json()) as { did: string };
  const network = info.did.split(':')[2];
  const did = `did:ethr:${network}:${wallet.address}`;
  if (command === 'did') {
    process.stdout.write(`${did}\n`);
    return;
  }
  const challenge = (await (
    await fetch(`${issuer}/auth/challenge`, { method: 'POST' })
  ).json()) as { nonce: string; audience: string };
  const secret = holderSecretFromSeed(Buffer.from(saved.seed, 'hex'));
  const jwt = await createJWT(
    {
      aud: challenge.audience,
      nonce: challenge.nonce,
      credentialType: arg('type') ?? 'AgeCredential',
      holderCommitment: holderCommitment(secret).toString(),
      ...(arg('role') ? { role: arg('role') } : {}),
      exp: Math.floor(Date.now() / 1000) + 120,
    },
    { issuer: did, signer: ES256KSigner(Buffer.from(wallet.privateKey.slice(2), 'hex')) },
    { alg: 'ES256K' },
  );
  process.stdout.write(`${jwt}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`holder-auth: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  },
);
