/**
 * The wallet's store (no chain needed: nothing here resolves a DID). SECURITY-CASES W01
 * (no passphrase, nothing secret in the clear on disk), W02 (wrong passphrase), W03 (SIGKILL
 * during saves), W05 (backup → wipe → restore), W06 (two writer processes), W07 (disk full,
 * read-only), and recovery from the phrase.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createJWT, verifyJWS } from 'did-jwt';
import {
  WalletError,
  backupWallet,
  identityFromPhrase,
  initWallet,
  listCredentials,
  openWallet,
  readBackup,
  recoverWallet,
  restoreWallet,
  walletExists,
  type Wallet,
} from '#wallet';
import { saveCredential } from './domain/credentials.js';
import { ConsentEntity, PresentationEntity } from './store/schema.js';

const WRITER = new URL('../test/helpers/wallet-writer.ts', import.meta.url).pathname;

const PASS = 'a long wallet passphrase';
const CHAIN = {
  name: '0x7a69',
  chainId: 31337,
  registry: '0x0000000000000000000000000000000000000001',
};
const RPC = 'http://127.0.0.1:1';

const root = mkdtempSync(join(tmpdir(), 'zkrep-wallet-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fresh = (): string => join(root, randomUUID());

const code = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof WalletError ? e.code : `other: ${String((e as Error).message)}`),
  );

/** Whether `w` signs with the key of DID `did` (an ES256K JWS checked against its address). */
async function signsAs(w: Wallet, did: string): Promise<boolean> {
  const jwt = await createJWT(
    { aud: 'x' },
    { issuer: w.did, signer: w.signer() },
    { alg: 'ES256K' },
  );
  try {
    verifyJWS(jwt, [
      {
        id: `${did}#controller`,
        type: 'EcdsaSecp256k1RecoveryMethod2020',
        controller: did,
        blockchainAccountId: `eip155:31337:${did.split(':').pop()}`,
      },
    ]);
    return true;
  } catch {
    return false;
  }
}

async function addCredential(w: Wallet, text: string, at = w.now()): Promise<string> {
  const id = randomUUID();
  await saveCredential(w, {
    id,
    type: 'AgeCredential',
    issuer: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000bb',
    issuerUrl: 'http://issuer.example',
    issuedAt: at,
    expiresAt: at + 86_400,
    sealed: await w.vault.seal(text),
    createdAt: at,
  });
  return id;
}

/** Every byte of the wallet's files (the SQLite file and its WAL). */
function diskBytes(dir: string): Buffer {
  return Buffer.concat(
    readdirSync(dir)
      .filter((f) => f.startsWith('wallet.sqlite'))
      .map((f) => readFileSync(join(dir, f))),
  );
}

function runWriter(args: string[]) {
  // `node --import tsx`, one process: a SIGKILL must reach the writer itself (the tsx CLI is a
  // wrapper whose child would live on, and keep jest from exiting).
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], {
    env: { ...process.env, ZKREP_WALLET_PASSPHRASE: PASS },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const committed: string[] = [];
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    const lines = out.split('\n');
    out = lines.pop()!;
    for (const l of lines) if (l.startsWith('committed ')) committed.push(l.slice(10));
  });
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { child, committed, exited, stderr: () => err };
}

describe('wallet store', () => {
  it('creates, opens, and refuses what it must', async () => {
    const dir = fresh();
    expect(await code(openWallet({ dir, passphrase: PASS, rpcUrl: RPC }))).toBe('wallet_missing');
    expect(await code(initWallet({ dir, passphrase: '', rpcUrl: RPC, chain: CHAIN }))).toBe(
      'passphrase_required',
    );
    expect(await code(initWallet({ dir, passphrase: 'short', rpcUrl: RPC, chain: CHAIN }))).toBe(
      'bad_input',
    );
    expect(walletExists(dir)).toBe(false);

    const { wallet, phrase } = await initWallet({
      dir,
      passphrase: PASS,
      rpcUrl: RPC,
      chain: CHAIN,
    });
    expect(phrase.split(' ')).toHaveLength(24);
    expect(wallet.did).toBe(`did:ethr:0x7a69:${identityFromPhrase(phrase).address}`);
    const did = wallet.did;
    await wallet.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    expect(await code(initWallet({ dir, passphrase: PASS, rpcUrl: RPC, chain: CHAIN }))).toBe(
      'wallet_exists',
    );
    expect(await code(openWallet({ dir, passphrase: '', rpcUrl: RPC }))).toBe(
      'passphrase_required',
    );
    expect(await code(openWallet({ dir, passphrase: `${PASS}!`, rpcUrl: RPC }))).toBe(
      'wrong_passphrase',
    );
    const again = await openWallet({ dir, passphrase: PASS, rpcUrl: RPC });
    expect(again.did).toBe(did);
    // The DID key signs through the KMS, and the signature is the DID's (not another's).
    expect(await signsAs(again, did)).toBe(true);
    expect(await signsAs(again, 'did:ethr:0x7a69:0x0000000000000000000000000000000000000001')).toBe(
      false,
    );
    await again.close();
  });

  it('W04: commits are durable against power loss (WAL, synchronous=FULL on every connection)', async () => {
    // A power-loss simulation (an fsync-dropping file system) needs root tools CI does not have;
    // this checks the setting that makes SQLite fsync the WAL at every commit.
    const { wallet } = await initWallet({
      dir: fresh(),
      passphrase: PASS,
      rpcUrl: RPC,
      chain: CHAIN,
    });
    const [mode] = (await wallet.dataSource.query('PRAGMA journal_mode')) as {
      journal_mode: string;
    }[];
    const [sync] = (await wallet.dataSource.query('PRAGMA synchronous')) as {
      synchronous: number;
    }[];
    expect([mode?.journal_mode, sync?.synchronous]).toEqual(['wal', 2]); // 2 = FULL
    await wallet.close();
  });

  it('W01: nothing secret is on disk in the clear', async () => {
    const dir = fresh();
    const { wallet, phrase } = await initWallet({
      dir,
      passphrase: PASS,
      rpcUrl: RPC,
      chain: CHAIN,
    });
    const id = identityFromPhrase(phrase);
    await addCredential(wallet, '{"birthDate":"1990-02-28","secretMarker":"zz-birth-zz"}');
    await wallet.close();
    const disk = diskBytes(dir);
    expect(disk.length).toBeGreaterThan(4096);
    const forbidden = [
      id.didPrivateKeyHex,
      id.didPrivateKeyHex.toUpperCase(),
      id.seedHex,
      id.holderSecret.toString(),
      id.holderSecret.toString(16),
      phrase,
      phrase.split(' ').slice(0, 3).join(' '),
      '1990-02-28',
      'zz-birth-zz',
      PASS,
    ];
    for (const s of forbidden)
      expect([s.slice(0, 12), disk.includes(Buffer.from(s))]).toEqual([s.slice(0, 12), false]);
    expect(disk.includes(Buffer.from(Buffer.from(id.didPrivateKeyHex, 'hex')))).toBe(false);
  });

  it('W05: backup → wipe → restore gives identical credentials, consents, log and usable keys', async () => {
    const dir = fresh();
    const { wallet } = await initWallet({ dir, passphrase: PASS, rpcUrl: RPC, chain: CHAIN });
    const texts = ['first credential jwt', 'second credential jwt'];
    for (const [i, t] of texts.entries()) await addCredential(wallet, t, 1_790_000_000 + i);
    await wallet.dataSource.getRepository(ConsentEntity).insert({
      receiptId: randomUUID(),
      requestId: 'req-1',
      verifier: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa',
      policyId: 'adults',
      receipt: '{"x":1}',
      receiptHash: `0x${'ab'.repeat(32)}`,
      account: '0x1111111111111111111111111111111111111111',
      status: 'given',
      createdAt: 1_790_000_000,
      withdrawnAt: null,
    });
    await wallet.dataSource.getRepository(PresentationEntity).insert({
      id: randomUUID(),
      at: 1_790_000_001,
      verifier: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa',
      requestId: 'req-1',
      policyId: 'adults',
      schema: 'AgeCredential',
      predicates: '[]',
      outcome: 'verified',
      stage: 'done',
      reasonCode: null,
      receiptId: null,
      account: null,
    });
    const before = {
      did: wallet.did,
      commitment: wallet.holderCommitment,
      credentials: await listCredentials(wallet),
      plain: await Promise.all(
        (
          await wallet.dataSource
            .getRepository('WalletCredential')
            .find({ order: { createdAt: 'ASC' } })
        ).map((r) => wallet.vault.open((r as { sealed: string }).sealed, 'x')),
      ),
      consents: await wallet.dataSource.getRepository(ConsentEntity).find(),
      log: await wallet.dataSource.getRepository(PresentationEntity).find(),
    };
    const file = join(root, `${randomUUID()}.backup`);
    const written = await backupWallet(wallet, file, PASS);
    expect(written).toMatchObject({ credentials: 2, consents: 1, presentations: 1 });
    expect(await code(backupWallet(wallet, file, PASS))).toBe('bad_input'); // never overwritten
    await wallet.close();
    const backupText = readFileSync(file, 'utf8');
    expect(backupText).not.toContain('first credential jwt');

    rmSync(dir, { recursive: true, force: true }); // wipe

    // A wrong passphrase, a flipped byte, a truncated file: refused, and no wallet appears.
    expect(
      await code(restoreWallet({ dir, passphrase: 'not the passphrase', rpcUrl: RPC, file })),
    ).toBe('wrong_passphrase');
    const outer = JSON.parse(backupText) as { box: string };
    const flipped = Buffer.from(outer.box, 'hex');
    flipped[100]! ^= 1;
    const badFile = join(root, `${randomUUID()}.backup`);
    writeFileSync(badFile, JSON.stringify({ ...outer, box: flipped.toString('hex') }));
    expect(await code(restoreWallet({ dir, passphrase: PASS, rpcUrl: RPC, file: badFile }))).toBe(
      'storage_corrupt',
    );
    writeFileSync(badFile, backupText.slice(0, backupText.length / 2));
    expect(await code(restoreWallet({ dir, passphrase: PASS, rpcUrl: RPC, file: badFile }))).toBe(
      'storage_corrupt',
    );
    expect(walletExists(dir)).toBe(false);

    // The new wallet may have a new passphrase; the backup's opens the file.
    const restored = await restoreWallet({
      dir,
      passphrase: 'a brand new passphrase',
      backupPassphrase: PASS,
      rpcUrl: RPC,
      file,
    });
    expect(restored.did).toBe(before.did);
    expect(restored.holderCommitment).toBe(before.commitment);
    expect(await listCredentials(restored)).toEqual(before.credentials);
    const plain = await Promise.all(
      (
        await restored.dataSource
          .getRepository('WalletCredential')
          .find({ order: { createdAt: 'ASC' } })
      ).map((r) => restored.vault.open((r as { sealed: string }).sealed, 'x')),
    );
    expect(plain).toEqual(before.plain);
    expect(await restored.dataSource.getRepository(ConsentEntity).find()).toEqual(before.consents);
    expect(await restored.dataSource.getRepository(PresentationEntity).find()).toEqual(before.log);
    expect(await signsAs(restored, before.did)).toBe(true); // the restored key is the DID's
    await restored.close();
    expect(await code(openWallet({ dir, passphrase: PASS, rpcUrl: RPC }))).toBe('wrong_passphrase');
    expect((await readBackup(file, PASS)).credentials).toHaveLength(2);
  });

  it('recovers the same DID and holder secret from the phrase into a fresh folder', async () => {
    const { wallet, phrase } = await initWallet({
      dir: fresh(),
      passphrase: PASS,
      rpcUrl: RPC,
      chain: CHAIN,
    });
    const recovered = await recoverWallet({
      dir: fresh(),
      passphrase: PASS,
      rpcUrl: RPC,
      chain: CHAIN,
      phrase,
    });
    expect(recovered.did).toBe(wallet.did);
    expect(recovered.holderSecret).toBe(wallet.holderSecret);
    expect(await listCredentials(recovered)).toEqual([]);
    expect(
      await code(
        recoverWallet({
          dir: fresh(),
          passphrase: PASS,
          rpcUrl: RPC,
          chain: CHAIN,
          phrase: 'not a phrase',
        }),
      ),
    ).toBe('bad_input');
    await wallet.close();
    await recovered.close();
  });

  it('W07: a full disk or a read-only database is a clear error and the previous state stays', async () => {
    const { wallet } = await initWallet({
      dir: fresh(),
      passphrase: PASS,
      rpcUrl: RPC,
      chain: CHAIN,
    });
    const kept = await addCredential(wallet, 'kept');
    const pages = (
      (await wallet.dataSource.query('PRAGMA page_count')) as { page_count: number }[]
    )[0]!.page_count;
    await wallet.dataSource.query(`PRAGMA max_page_count = ${pages}`);
    expect(await code(addCredential(wallet, 'x'.repeat(200_000)))).toBe('storage_failed');
    await wallet.dataSource.query('PRAGMA max_page_count = 1073741823');
    await wallet.dataSource.query('PRAGMA query_only = ON');
    expect(await code(addCredential(wallet, 'y'))).toBe('storage_failed');
    await wallet.dataSource.query('PRAGMA query_only = OFF');
    expect((await listCredentials(wallet)).map((c) => c.id)).toEqual([kept]);
    await addCredential(wallet, 'after');
    expect(await listCredentials(wallet)).toHaveLength(2);
    await wallet.close();
  });

  it('W03: repeated SIGKILL during saves leaves a consistent database with every committed row', async () => {
    const dir = fresh();
    const { wallet } = await initWallet({ dir, passphrase: PASS, rpcUrl: RPC, chain: CHAIN });
    await wallet.close();
    const committed: string[] = [];
    const ROUNDS = 8;
    for (let round = 0; round < ROUNDS; round++) {
      const w = runWriter(['save', dir, '100000', `r${round}`]);
      // Kill at a random moment after the first commits.
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (w.committed.length >= 1 + (round % 5) * 7) {
            clearInterval(check);
            setTimeout(resolve, Math.floor(Math.random() * 30));
          }
        }, 2);
        void w.exited.then(() => {
          clearInterval(check);
          resolve();
        });
      });
      w.child.kill('SIGKILL');
      await w.exited;
      expect(w.committed.length).toBeGreaterThan(0);
      committed.push(...w.committed);
    }
    const db = new Database(join(dir, 'wallet.sqlite'));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const reopened = await openWallet({ dir, passphrase: PASS, rpcUrl: RPC });
    const ids = new Set((await listCredentials(reopened)).map((c) => c.id));
    expect(committed.filter((id) => !ids.has(id))).toEqual([]);
    await reopened.close();
  });

  it('W03: SIGKILL during init leaves no wallet or a whole one', async () => {
    for (let round = 0; round < 4; round++) {
      const dir = fresh();
      const w = runWriter(['init', dir]);
      await new Promise((r) => setTimeout(r, 700 + round * 250));
      w.child.kill('SIGKILL');
      await w.exited;
      if (walletExists(dir)) {
        const opened = await openWallet({ dir, passphrase: PASS, rpcUrl: RPC });
        await opened.close();
      } else {
        expect(existsSync(join(dir, 'wallet.sqlite'))).toBe(false);
      }
    }
  });

  it('W06: two processes saving at once lose nothing', async () => {
    const dir = fresh();
    const { wallet } = await initWallet({ dir, passphrase: PASS, rpcUrl: RPC, chain: CHAIN });
    await wallet.close();
    const a = runWriter(['save', dir, '60', 'a']);
    const b = runWriter(['save', dir, '60', 'b']);
    expect([await a.exited, await b.exited, a.stderr(), b.stderr()]).toEqual([0, 0, '', '']);
    const reopened = await openWallet({ dir, passphrase: PASS, rpcUrl: RPC });
    const ids = new Set((await listCredentials(reopened)).map((c) => c.id));
    expect(ids.size).toBe(120);
    expect([...a.committed, ...b.committed].every((id) => ids.has(id))).toBe(true);
    await reopened.close();
  });
});
