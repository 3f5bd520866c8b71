/**
 * deploy(): the full set on a fresh chain, the deployment record, idempotency, code checks
 * (K17: what runs is what we compiled; no selfdestruct/delegatecall), the test-verifier guard,
 * two-step owner hand-over, the ERC-1056 registry, and the real snarkjs verifier from #zk.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getAddress, keccak256, parseEventLogs, type Address, type Hex } from 'viem';
import { loadVerificationKey, verifierSolidityPath } from '#zk';
import { ethereumDidRegistryAbi, zkGateAbi } from '../ts/abi.js';
import { startAnvil, type AnvilChain } from '../ts/chain.js';
import { createClients, type ReadClient, type WriteClient } from '../ts/clients.js';
import { compileContracts } from '../ts/compile.js';
import { ethereumDidRegistryArtifact, knownDidRegistryAddress } from '../ts/did-registry.js';
import {
  codeMatchesArtifact,
  deploy,
  readDeployment,
  type DeployParameters,
} from '../ts/deploy.js';
import {
  parseVerificationKey,
  verificationKeyHash,
  verificationKeysEqual,
} from '../ts/verifier-key.js';
import { buildFixture } from './fixture/fixture-source.js';

const exec = promisify(execFile);

let chain: AnvilChain;
let publicClient: ReadClient;
let deployer: WriteClient;
let accounts: Address[];
let dir: string;
let fixtureVerifier: string;
let fixtureKey: unknown;

beforeAll(async () => {
  chain = await startAnvil();
  const rpc = { rpcUrl: chain.rpcUrl, chainId: chain.chainId };
  publicClient = createClients(rpc).publicClient;
  accounts = ((await publicClient.request({ method: 'eth_accounts' } as never)) as Address[]).map(
    (a) => getAddress(a),
  );
  deployer = createClients({ ...rpc, account: accounts[0] as Address }).walletClient;
  dir = await mkdtemp(join(tmpdir(), 'zkrep-deployments-'));
  const fixture = await buildFixture();
  fixtureVerifier = fixture.verifierSourcePath;
  fixtureKey = JSON.parse(await readFile(fixture.verificationKeyPath, 'utf8')) as unknown;
});
afterAll(async () => {
  await chain?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const params = (over: Partial<DeployParameters> = {}): DeployParameters => ({
  publicClient,
  walletClient: deployer,
  verifierSourcePath: fixtureVerifier,
  verificationKey: fixtureKey,
  allowTestVerifier: true,
  deploymentsDir: dir,
  ...over,
});

/** Opcodes of runtime code, skipping PUSH data and the trailing CBOR metadata. */
function opcodes(code: Hex): number[] {
  const bytes = Buffer.from(code.slice(2), 'hex');
  const metadataLength = bytes.length >= 2 ? bytes.readUInt16BE(bytes.length - 2) + 2 : 0;
  const end = bytes.length - metadataLength;
  const ops: number[] = [];
  for (let i = 0; i < end; i++) {
    const op = bytes[i]!;
    ops.push(op);
    if (op >= 0x60 && op <= 0x7f) i += op - 0x5f;
  }
  return ops;
}

describe('a fresh deployment', () => {
  it('deploys every contract, writes <chainId>.json, and the code on chain is the build (K17)', async () => {
    const result = await deploy(params());
    expect(result.reused).toBe(false);
    expect(result.file).toBe(join(dir, `${chain.chainId}.json`));
    const record = await readDeployment(chain.chainId, dir);
    expect(record).toEqual(JSON.parse(JSON.stringify(result.deployment)));
    expect(record).toMatchObject({
      version: 1,
      chainId: 31337,
      deployer: getAddress(accounts[0] as Address),
      owner: getAddress(accounts[0] as Address),
      testVerifier: true,
    });

    const build = await compileContracts({
      verifierSourcePath: fixtureVerifier,
      verificationKey: fixtureKey,
    });
    const { contracts } = result.deployment;
    for (const [name, deployed] of [
      ['Groth16Verifier', contracts.groth16Verifier],
      ['ZkGate', contracts.zkGate],
      ['AuditAnchor', contracts.auditAnchor],
    ] as const) {
      const code = (await publicClient.getCode({ address: deployed.address }))!;
      expect(keccak256(code)).toBe(deployed.codeHash);
      expect([name, codeMatchesArtifact(code, build.contracts[name]!)]).toEqual([name, true]);
      // A one-byte change is detected.
      const flipped = `${code.slice(0, -2)}${code.endsWith('00') ? '01' : '00'}` as Hex;
      expect(codeMatchesArtifact(flipped, build.contracts[name]!)).toBe(false);
    }
    // The gate carries the key it was given (the fixture's), and the record names it.
    const [alpha, beta, gamma, delta, ic] = await publicClient.readContract({
      address: contracts.zkGate.address,
      abi: zkGateAbi,
      functionName: 'verificationKey',
    });
    const onChain = { alpha, beta, gamma, delta, ic };
    expect(verificationKeysEqual(onChain, parseVerificationKey(fixtureKey))).toBe(true);
    expect(record?.verificationKeyHash).toBe(verificationKeyHash(onChain));
  });

  it('our contracts contain no SELFDESTRUCT, DELEGATECALL or CALLCODE (K17)', async () => {
    const build = await compileContracts({
      verifierSourcePath: fixtureVerifier,
      verificationKey: fixtureKey,
    });
    for (const name of ['ZkGate', 'Marketplace', 'AuditAnchor', 'Groth16Verifier']) {
      const ops = opcodes(build.contracts[name]!.deployedBytecode);
      expect(ops.length).toBeGreaterThan(100);
      expect([name, ops.filter((op) => op === 0xff || op === 0xf4 || op === 0xf2)]).toEqual([
        name,
        [],
      ]);
    }
  });

  it('deploys a working ERC-1056 DID registry', async () => {
    const { deployment } = await deploy(params());
    const registry = deployment.contracts.didRegistry.address;
    const identity = accounts[2] as Address;
    expect(
      await publicClient.readContract({
        address: registry,
        abi: ethereumDidRegistryAbi,
        functionName: 'identityOwner',
        args: [identity],
      }),
    ).toBe(identity);
    const wallet = createClients({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      account: identity,
    }).walletClient;
    const hash = await wallet.writeContract({
      address: registry,
      abi: ethereumDidRegistryAbi,
      functionName: 'changeOwner',
      args: [identity, accounts[3] as Address],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    expect(parseEventLogs({ abi: ethereumDidRegistryAbi, logs: receipt.logs })[0]?.eventName).toBe(
      'DIDOwnerChanged',
    );
    expect(
      await publicClient.readContract({
        address: registry,
        abi: ethereumDidRegistryAbi,
        functionName: 'identityOwner',
        args: [identity],
      }),
    ).toBe(accounts[3]);
  });
});

describe('idempotency', () => {
  it('returns the recorded deployment unchanged, sending no transaction', async () => {
    const first = await deploy(params());
    const nonce = await publicClient.getTransactionCount({ address: accounts[0] as Address });
    const second = await deploy(params());
    expect(second.reused).toBe(true);
    expect(second.deployment).toEqual(JSON.parse(JSON.stringify(first.deployment)));
    expect(await publicClient.getTransactionCount({ address: accounts[0] as Address })).toBe(nonce);
  });

  it('redeploys when the options change', async () => {
    const first = await deploy(params());
    const other = await deploy(
      params({ didRegistry: first.deployment.contracts.didRegistry.address }),
    );
    expect(other.reused).toBe(false);
    expect(other.deployment.contracts.zkGate.address).not.toBe(
      first.deployment.contracts.zkGate.address,
    );
    expect(other.deployment.contracts.didRegistry).toEqual({
      ...first.deployment.contracts.didRegistry,
      transactionHash: undefined,
    });
  });

  it('redeploys when a recorded contract is gone (e.g. a restarted local chain)', async () => {
    const first = await deploy(params());
    const testClient = (await import('viem')).createTestClient({
      mode: 'anvil',
      transport: (await import('viem')).http(chain.rpcUrl),
    });
    await testClient.setCode({
      address: first.deployment.contracts.auditAnchor.address,
      bytecode: '0x',
    });
    const again = await deploy(params());
    expect(again.reused).toBe(false);
  });

  it('writes no record with deploymentsDir: null', async () => {
    const result = await deploy(params({ deploymentsDir: null }));
    expect(result.file).toBeNull();
  });
});

describe('guards and ownership', () => {
  it('refuses the TEST-ONLY fixture verifier unless allowed', async () => {
    await expect(deploy(params({ allowTestVerifier: false }))).rejects.toMatchObject({
      code: 'test_verifier_refused',
    });
  });

  it("refuses a verification key that is not the verifier's: a test key cannot ride with the real verifier", async () => {
    const nonce = await publicClient.getTransactionCount({ address: accounts[0] as Address });
    // The fixture's key with the real verifier.
    await expect(
      deploy(params({ verifierSourcePath: verifierSolidityPath(), allowTestVerifier: false })),
    ).rejects.toMatchObject({ code: 'verifier_invalid' });
    // The real key with the fixture verifier (even when test verifiers are allowed).
    await expect(deploy(params({ verificationKey: loadVerificationKey() }))).rejects.toMatchObject({
      code: 'verifier_invalid',
    });
    // One changed coordinate of the right key.
    const tampered = structuredClone(fixtureKey) as { IC: string[][] };
    tampered.IC[7]![0] = (BigInt(tampered.IC[7]![0]!) + 1n).toString();
    await expect(deploy(params({ verificationKey: tampered }))).rejects.toMatchObject({
      code: 'verifier_invalid',
    });
    // Not a key at all.
    await expect(deploy(params({ verificationKey: { protocol: 'plonk' } }))).rejects.toMatchObject({
      code: 'verifier_invalid',
    });
    expect(await publicClient.getTransactionCount({ address: accounts[0] as Address })).toBe(nonce);
  });

  it('uses the canonical ERC-1056 registry of a public chain id when it has code there', async () => {
    const mainnetLike = await startAnvil({ chainId: 1 });
    try {
      const rpc = { rpcUrl: mainnetLike.rpcUrl, chainId: 1 };
      const clients = createClients({ ...rpc, account: accounts[0] as Address });
      const canonical = knownDidRegistryAddress(1)!;
      expect(canonical).toBe('0xdCa7EF03e98e0DC2B855bE647C39ABe984fcF21B');
      const base = { ...params(), ...clients, deploymentsDir: null };
      // No code at the canonical address (a fresh chain): a registry is deployed.
      const fresh = await deploy(base);
      expect(fresh.deployment.contracts.didRegistry.address).not.toBe(canonical);
      // Code there: it is used, not redeployed.
      const testClient = (await import('viem')).createTestClient({
        mode: 'anvil',
        transport: (await import('viem')).http(mainnetLike.rpcUrl),
      });
      await testClient.setCode({
        address: canonical,
        bytecode: ethereumDidRegistryArtifact().deployedBytecode,
      });
      const reused = await deploy(base);
      expect(reused.deployment.contracts.didRegistry).toMatchObject({
        address: canonical,
        transactionHash: undefined,
      });
    } finally {
      await mainnetLike.stop();
    }
  });

  it('hands the gate to another owner in two steps', async () => {
    const owner = accounts[5] as Address;
    const { deployment } = await deploy(params({ owner, deploymentsDir: null }));
    const gate = deployment.contracts.zkGate.address;
    const read = (functionName: 'owner' | 'pendingOwner') =>
      publicClient.readContract({ address: gate, abi: zkGateAbi, functionName });
    expect(await read('owner')).toBe(deployment.deployer);
    expect(await read('pendingOwner')).toBe(owner);
    const wallet = createClients({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      account: owner,
    }).walletClient;
    await publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: gate,
        abi: zkGateAbi,
        functionName: 'acceptOwnership',
      }),
    });
    expect(await read('owner')).toBe(owner);
  });

  it('deploys the real snarkjs verifier of the zk core and a gate with its locked key (#zk)', async () => {
    const path = verifierSolidityPath();
    expect(existsSync(path)).toBe(true);
    expect(await readFile(path, 'utf8')).not.toContain('ZKREP-TEST-ONLY-VERIFIER');
    const { deployment } = await deploy(
      params({
        verifierSourcePath: path,
        verificationKey: loadVerificationKey(),
        allowTestVerifier: false,
        deploymentsDir: null,
      }),
    );
    expect(deployment.testVerifier).toBe(false);
    expect(deployment.verificationKeyHash).toBe(
      verificationKeyHash(parseVerificationKey(loadVerificationKey())),
    );
    expect(
      await publicClient.getCode({ address: deployment.contracts.groth16Verifier.address }),
    ).toMatch(/^0x[0-9a-f]{100,}/);
  });

  it('fails with verifier_invalid for a missing verifier file', async () => {
    await expect(
      deploy(params({ verifierSourcePath: join(dir, 'nope.sol') })),
    ).rejects.toMatchObject({
      code: 'verifier_invalid',
    });
  });
});

describe('deploy-cli', () => {
  it('deploys to RPC_URL with DEPLOYER_PRIVATE_KEY (default: the zk core verifier), refusing the test verifier', async () => {
    const external = await startAnvil({ chainId: 4242 });
    try {
      const cli = fileURLToPath(new URL('../ts/deploy-cli.ts', import.meta.url));
      // anvil's first dev key: public, test-only.
      const key = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
      const run = (extra: string[]) =>
        exec(process.execPath, ['--import', 'tsx', cli, '--deployments-dir', dir, ...extra], {
          env: { ...process.env, RPC_URL: external.rpcUrl, DEPLOYER_PRIVATE_KEY: key },
        });

      const refused = (await run(['--verifier', fixtureVerifier]).catch((e: unknown) => e)) as {
        code?: number;
        stderr?: string;
      };
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^test_verifier_refused: /);
      expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace

      const { stdout, stderr } = await run([]);
      expect(`${stdout}${stderr}`).not.toContain(key.slice(2));
      const record = await readDeployment(4242, dir);
      expect(record).toMatchObject({
        deployer: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
        testVerifier: false,
      });
      const ext = createClients({ rpcUrl: external.rpcUrl, chainId: 4242 }).publicClient;
      expect(await ext.getCode({ address: record!.contracts.zkGate.address })).toMatch(
        /^0x[0-9a-f]{100,}/,
      );
    } finally {
      await external.stop();
    }
  });
});
