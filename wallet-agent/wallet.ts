/**
 * The wallet: one folder holding one SQLite file (WAL, `synchronous=FULL`) with Veramo's key and
 * DID tables and the wallet's own (store/schema.ts), all secrets sealed with a key derived from
 * the holder's passphrase (domain/vault.ts). Everything the holder has — the did:ethr key, the zk
 * holder secret — derives from one BIP-39 recovery phrase (domain/recovery.ts), shown once at
 * `init`.
 *
 * Creating a wallet is atomic: it is built in a temporary file in the same folder and renamed
 * into place, so a crash during `init`, `recover` or `restore` leaves either no wallet or a
 * complete one. Every later write is one SQLite transaction.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  agentJwtSigner,
  createEthrAgent,
  ethrResolver,
  openDatabase,
  withTransaction,
  type EthrAgent,
  type EthrNetwork,
} from '#platform';
import { createClients, type ReadClient } from '#contracts';
import { ZkrepError, holderCommitment } from '#zk';
import type { Resolvable } from 'did-resolver';
import type { DataSource } from 'typeorm';
import { WalletError } from './errors.js';
import {
  identityFromPhrase,
  identityFromSeed,
  newRecoveryPhrase,
  withdrawKeyFromSeed,
  type DerivedIdentity,
} from './domain/recovery.js';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import {
  deriveVault,
  newKdfParams,
  unlockVault,
  MIN_PASSPHRASE_LENGTH,
  type Vault,
} from './domain/vault.js';
import type { RegistrationSource } from './domain/registration.js';
import {
  ConsentEntity,
  CredentialEntity,
  MetaEntity,
  PresentationEntity,
  WALLET_ENTITIES,
  WALLET_MIGRATIONS,
  type ConsentRow,
  type CredentialRow,
  type PresentationRow,
} from './store/schema.js';

/** The wallet's data format (`wallet_meta.version`). */
export const WALLET_FORMAT = 1;
export const WALLET_FILE = 'wallet.sqlite';

/** The chain the wallet's DID lives on and resolves others' DIDs on. */
export interface WalletChain {
  /** The did:ethr network name (DIDs are `did:ethr:<name>:0x…`). */
  name: string;
  chainId: number;
  /** The ERC-1056 registry. */
  registry: string;
  /**
   * The chain's ZkGate (from the deployment record): requests bound to an on-chain policy must
   * name it (domain/registration.ts). Absent in a wallet made without it: then the gate a request
   * names is read with a caution.
   */
  gate?: string | undefined;
}

export interface WalletParams {
  /** The wallet's folder. */
  dir: string;
  passphrase: string;
  /** The chain's JSON-RPC URL, for resolving issuers' and verifiers' DIDs. */
  rpcUrl: string;
  /** Unix seconds (default: the system clock). */
  now?: () => number;
}

/** What a new wallet is created from. */
export interface CreateParams extends WalletParams {
  chain: WalletChain;
}

const walletPath = (dir: string): string => join(resolve(dir), WALLET_FILE);

/** Whether `dir` holds a wallet. */
export function walletExists(dir: string): boolean {
  return existsSync(walletPath(dir));
}

/** A storage failure (disk full, read-only folder) as one clear error; others unchanged. */
export function storageError(e: unknown, what: string): unknown {
  if (e instanceof ZkrepError) return e;
  const text = `${(e as { code?: string })?.code ?? ''} ${(e as Error)?.message ?? ''}`;
  if (/SQLITE_FULL|ENOSPC|database or disk is full/i.test(text)) {
    return new WalletError('storage_failed', `${what}: the disk is full; nothing was changed`, {
      cause: e,
    });
  }
  if (/SQLITE_READONLY|EROFS|EACCES|EPERM|readonly database/i.test(text)) {
    return new WalletError(
      'storage_failed',
      `${what}: the wallet folder is read-only; nothing was changed`,
      {
        cause: e,
      },
    );
  }
  if (/SQLITE_CORRUPT|SQLITE_NOTADB|malformed|not a database/i.test(text)) {
    return new WalletError('storage_corrupt', `${what}: the wallet file is damaged`, { cause: e });
  }
  return e;
}

async function openStore(file: string): Promise<DataSource> {
  try {
    return await openDatabase({
      sqlitePath: file,
      entities: WALLET_ENTITIES,
      migrations: WALLET_MIGRATIONS,
      synchronous: 'FULL',
    });
  } catch (e) {
    // openDatabase wraps the driver's error: a full disk or a damaged file says so.
    const mapped = storageError((e as { cause?: unknown }).cause, 'the wallet cannot be opened');
    throw mapped instanceof WalletError ? mapped : e;
  }
}

function network(chain: WalletChain, rpcUrl: string): EthrNetwork {
  return { name: chain.name, chainId: chain.chainId, rpcUrl, registry: chain.registry };
}

function checkPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new WalletError(
      'passphrase_required',
      'a passphrase is required: the wallet never stores keys unencrypted',
    );
  }
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new WalletError(
      'bad_input',
      `the passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters`,
    );
  }
}

/** What a wallet is created with besides its phrase-derived identity. */
export interface WalletContents {
  credentials?: CredentialRow[];
  consents?: ConsentRow[];
  presentations?: PresentationRow[];
}

/**
 * Creates a wallet in `dir` from `phrase` (a new one when absent): in a temporary file, renamed
 * into place once complete. `wallet_exists` if `dir` already holds one. Returns the open wallet.
 */
async function createWallet(
  p: CreateParams,
  identity: DerivedIdentity,
  contents: (vault: Vault) => Promise<WalletContents> = async () => ({}),
): Promise<Wallet> {
  checkPassphrase(p.passphrase);
  const dir = resolve(p.dir);
  if (walletExists(dir)) {
    throw new WalletError('wallet_exists', `${dir} already holds a wallet`);
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw storageError(e, 'the wallet folder cannot be created');
  }
  const temp = join(dir, `.${WALLET_FILE}.${randomUUID()}.tmp`);
  const kdf = newKdfParams();
  const vault = await deriveVault(p.passphrase, kdf);
  const net = network(p.chain, p.rpcUrl);
  const did = `did:ethr:${p.chain.name}:${identity.address}`;
  const now = (p.now ?? (() => Math.floor(Date.now() / 1000)))();
  let ds: DataSource | undefined;
  try {
    ds = await openStore(temp);
    const agent = createEthrAgent({
      dataSource: ds,
      kmsSecretKey: vault.kmsSecretKey,
      network: net,
    });
    await agent.didManagerImport({
      did,
      provider: `did:ethr:${p.chain.name}`,
      alias: 'holder',
      controllerKeyId: identity.didPublicKeyHex,
      keys: [
        {
          kid: identity.didPublicKeyHex,
          kms: 'local',
          type: 'Secp256k1',
          privateKeyHex: identity.didPrivateKeyHex,
          publicKeyHex: identity.didPublicKeyHex,
        },
      ],
      services: [],
    });
    const extra = await contents(vault);
    const meta: Record<string, string> = {
      version: String(WALLET_FORMAT),
      kdf: JSON.stringify(kdf),
      keyCheck: await vault.keyCheck(),
      seed: await vault.seal(identity.seedHex),
      did,
      kid: identity.didPublicKeyHex,
      chain: JSON.stringify(p.chain),
      createdAt: String(now),
    };
    await withTransaction(ds, async (m) => {
      await m.insert(
        MetaEntity,
        Object.entries(meta).map(([key, value]) => ({ key, value })),
      );
      for (const c of extra.credentials ?? []) await m.insert(CredentialEntity, c);
      for (const c of extra.consents ?? []) await m.insert(ConsentEntity, c);
      for (const r of extra.presentations ?? []) await m.insert(PresentationEntity, r);
    });
    await ds.destroy(); // checkpoints the WAL into the file
    ds = undefined;
    if (walletExists(dir)) {
      throw new WalletError('wallet_exists', `${dir} already holds a wallet`);
    }
    renameSync(temp, walletPath(dir));
  } catch (e) {
    await ds?.destroy().catch(() => undefined);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${temp}${suffix}`, { force: true });
    throw storageError(e, 'the wallet cannot be created');
  }
  return openWallet(p);
}

/** A new wallet with a new recovery phrase (to be shown to the holder once). */
export async function initWallet(p: CreateParams): Promise<{ wallet: Wallet; phrase: string }> {
  const phrase = newRecoveryPhrase();
  return { wallet: await createWallet(p, identityFromPhrase(phrase)), phrase };
}

/** A wallet recreated from its recovery phrase: the same DID and holder secret, no credentials. */
export async function recoverWallet(p: CreateParams & { phrase: string }): Promise<Wallet> {
  return createWallet(p, identityFromPhrase(p.phrase));
}

/**
 * A wallet recreated from a backup's seed and contents (domain/backup.ts); `contents` gets the
 * new wallet's key, to seal what it restores.
 */
export async function createWalletFromSeed(
  p: CreateParams,
  seedHex: string,
  contents: (vault: Vault) => Promise<WalletContents>,
): Promise<Wallet> {
  return createWallet(p, identityFromSeed(Buffer.from(seedHex, 'hex')), contents);
}

/** Opens the wallet in `p.dir`: `wallet_missing`, `wrong_passphrase`, `storage_corrupt`. */
export async function openWallet(p: WalletParams): Promise<Wallet> {
  const file = walletPath(p.dir);
  if (!existsSync(file)) {
    throw new WalletError('wallet_missing', `there is no wallet in ${resolve(p.dir)} (run init)`);
  }
  const ds = await openStore(file);
  try {
    const rows = await ds.getRepository(MetaEntity).find();
    const meta = new Map(rows.map((r) => [r.key, r.value]));
    const need = (key: string): string => {
      const v = meta.get(key);
      if (v === undefined) throw new WalletError('storage_corrupt', `the wallet has no ${key}`);
      return v;
    };
    if (need('version') !== String(WALLET_FORMAT)) {
      throw new WalletError('storage_corrupt', `unknown wallet format ${need('version')}`);
    }
    let kdf: unknown;
    let chain: WalletChain;
    try {
      kdf = JSON.parse(need('kdf'));
      chain = JSON.parse(need('chain')) as WalletChain;
    } catch {
      throw new WalletError('storage_corrupt', 'the wallet settings are damaged');
    }
    const vault = await unlockVault(p.passphrase, kdf, need('keyCheck'));
    const seedHex = await vault.open(need('seed'), 'the wallet seed');
    const identity = identityFromSeed(Buffer.from(seedHex, 'hex'));
    const did = need('did');
    if (did !== `did:ethr:${chain.name}:${identity.address}`) {
      throw new WalletError('storage_corrupt', 'the wallet DID does not match its seed');
    }
    const net = network(chain, p.rpcUrl);
    const agent = createEthrAgent({
      dataSource: ds,
      kmsSecretKey: vault.kmsSecretKey,
      network: net,
    });
    return new Wallet({
      dir: resolve(p.dir),
      rpcUrl: p.rpcUrl,
      dataSource: ds,
      agent,
      vault,
      did,
      kid: need('kid'),
      chain,
      holderSecret: identity.holderSecret,
      resolver: ethrResolver(net),
      now: p.now ?? (() => Math.floor(Date.now() / 1000)),
    });
  } catch (e) {
    await ds.destroy().catch(() => undefined);
    throw e;
  }
}

/** An open wallet. `close()` when done. */
export class Wallet {
  readonly dir: string;
  readonly did: string;
  readonly chain: WalletChain;
  /** The chain's JSON-RPC URL. */
  readonly rpcUrl: string;
  /** The did:ethr key's id in the KMS (its public key hex). */
  readonly kid: string;
  readonly dataSource: DataSource;
  readonly agent: EthrAgent;
  readonly resolver: Resolvable;
  readonly now: () => number;
  /** @internal */
  readonly vault: Vault;
  /** @internal the zk holder secret: never leaves the wallet. */
  readonly holderSecret: bigint;
  private client: ReadClient | undefined;

  constructor(p: {
    dir: string;
    rpcUrl: string;
    dataSource: DataSource;
    agent: EthrAgent;
    vault: Vault;
    did: string;
    kid: string;
    chain: WalletChain;
    holderSecret: bigint;
    resolver: Resolvable;
    now: () => number;
  }) {
    this.dir = p.dir;
    this.rpcUrl = p.rpcUrl;
    this.dataSource = p.dataSource;
    this.agent = p.agent;
    this.vault = p.vault;
    this.did = p.did;
    this.kid = p.kid;
    this.chain = p.chain;
    this.holderSecret = p.holderSecret;
    this.resolver = p.resolver;
    this.now = p.now;
  }

  /** The DID's Ethereum address: the default marketplace account. */
  get address(): string {
    return this.did.slice(this.did.lastIndexOf(':') + 1);
  }

  /**
   * Where proof requests bound to an on-chain policy are checked against the verifier's
   * registration: this wallet's chain, read through `#contracts` (domain/registration.ts).
   */
  get registration(): RegistrationSource {
    this.client ??= createClients({
      rpcUrl: this.rpcUrl,
      chainId: this.chain.chainId,
    }).publicClient;
    return { chainId: this.chain.chainId, gate: this.chain.gate, publicClient: this.client };
  }

  /** Poseidon(holder secret): what issuers sign over instead of any identifier. */
  get holderCommitment(): bigint {
    return holderCommitment(this.holderSecret);
  }

  /** An ES256K signer over the DID key (the key never leaves the KMS). */
  signer() {
    return agentJwtSigner(this.agent, this.kid);
  }

  /** The BIP-39 seed (hex), for a backup. */
  async seedHex(): Promise<string> {
    const row = await this.dataSource.getRepository(MetaEntity).findOneBy({ key: 'seed' });
    if (!row) throw new WalletError('storage_corrupt', 'the wallet has no seed');
    return this.vault.open(row.value, 'the wallet seed');
  }

  /**
   * @internal The key that signs withdrawals of consent receipt `receiptId` (derived from the
   * seed and the receipt id: domain/recovery.ts), as a local signer: it never touches a chain.
   */
  async withdrawAccount(receiptId: string): Promise<PrivateKeyAccount> {
    const seed = Buffer.from(await this.seedHex(), 'hex');
    return privateKeyToAccount(withdrawKeyFromSeed(seed, receiptId).privateKey);
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
