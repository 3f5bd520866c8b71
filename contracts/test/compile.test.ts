/**
 * Compilation: pinned compiler, cache, no warnings in our sources, NatSpec on every contract,
 * function, event and error, committed ABIs in sync with the sources, the verifier interface
 * check, and ONE public-signal layout shared by Solidity, contracts/ts and the zk core.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toFunctionSelector, toFunctionSignature, type AbiEvent, type AbiFunction } from 'viem';
import {
  SIGNAL_INDEX,
  TIME_BITS,
  gateScope,
  gateSignalHash,
  PUBLIC_SIGNAL_COUNT as ZK_SIGNAL_COUNT,
} from '#zk';
import {
  CONTRACTS_DIR,
  SOLC_VERSION,
  compileContracts,
  type CompileOutput,
} from '../ts/compile.js';
import { renderAbiModules } from '../ts/generate-abi.js';
import {
  FIELD_SIZE,
  PUBLIC_SIGNAL_COUNT,
  PublicSignalIndex,
  computeScope,
  computeSignalHash,
} from '../ts/signals.js';
import { buildFixture } from './fixture/fixture-source.js';

let build: CompileOutput;
let verifierSourcePath: string;

beforeAll(async () => {
  verifierSourcePath = (await buildFixture()).verifierSourcePath;
  build = await compileContracts({ includeTestContracts: true, verifierSourcePath });
});

it(`uses solc ${SOLC_VERSION} and produces our deployable contracts`, () => {
  expect(build.compilerVersion.startsWith(`${SOLC_VERSION}+`)).toBe(true);
  for (const name of ['ZkGate', 'Marketplace', 'AuditAnchor', 'Groth16Verifier']) {
    expect(build.contracts[name]?.bytecode.length).toBeGreaterThan(100);
  }
});

it('has no compiler warnings in our sources', () => {
  expect(build.warnings).toEqual([]);
});

it('serves an unchanged build from the cache, keyed by the exact input', async () => {
  const started = Date.now();
  const again = await compileContracts({ includeTestContracts: true, verifierSourcePath });
  expect(Date.now() - started).toBeLessThan(1_500);
  expect(again.inputHash).toBe(build.inputHash);
  expect(again.contracts['ZkGate']?.bytecode).toBe(build.contracts['ZkGate']?.bytecode);
  const withoutTests = await compileContracts({ verifierSourcePath });
  expect(withoutTests.inputHash).not.toBe(build.inputHash);
  expect(withoutTests.contracts['ReentrantSeller']).toBeUndefined();
});

describe('the verifier input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zkrep-verifier-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects a verifier with another number of public signals', async () => {
    const source = (await readFile(verifierSourcePath, 'utf8')).replace(
      'uint[7] calldata _pubSignals',
      'uint[6] calldata _pubSignals',
    );
    const path = join(dir, 'six.sol');
    await writeFile(path, source);
    await expect(compileContracts({ verifierSourcePath: path })).rejects.toMatchObject({
      code: 'verifier_invalid',
    });
  });

  it('rejects a source without Groth16Verifier, and a missing file', async () => {
    const path = join(dir, 'other.sol');
    await writeFile(
      path,
      '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\ncontract Other {}\n',
    );
    await expect(compileContracts({ verifierSourcePath: path })).rejects.toMatchObject({
      code: 'verifier_invalid',
    });
    await expect(
      compileContracts({ verifierSourcePath: join(dir, 'missing.sol') }),
    ).rejects.toMatchObject({ code: 'verifier_invalid' });
  });

  it('reports Solidity errors as compile_failed', async () => {
    const path = join(dir, 'broken.sol');
    await writeFile(path, 'contract Groth16Verifier {');
    await expect(compileContracts({ verifierSourcePath: path })).rejects.toMatchObject({
      code: 'compile_failed',
    });
  });
});

describe('NatSpec on every contract, function, event and error', () => {
  const ours = () =>
    Object.values(build.contracts).filter(
      (c) => c.sourceName.startsWith('src/') || c.sourceName.startsWith('test/'),
    );

  it.each(['contract', 'function', 'event', 'error'] as const)('%s', (kind) => {
    const missing: string[] = [];
    for (const c of ours()) {
      const { userdoc, devdoc } = c;
      if (kind === 'contract') {
        if (!userdoc.notice && !devdoc.title && !devdoc.details) missing.push(c.contractName);
        continue;
      }
      for (const item of c.abi) {
        if (item.type !== kind) continue;
        const signature = toFunctionSignature(item as AbiFunction | AbiEvent).replace(
          /^(function|event|error) /,
          '',
        );
        // A @notice (or a @dev) is required; @param/@return alone do not count.
        const described = (doc: unknown): boolean =>
          [doc, ...(Array.isArray(doc) ? doc : [])].some(
            (d) => typeof d === 'object' && d !== null && ('notice' in d || 'details' in d),
          );
        const documented =
          kind === 'function'
            ? described(userdoc.methods?.[signature]) ||
              described(devdoc.methods?.[signature]) ||
              described(devdoc.stateVariables?.[item.name])
            : kind === 'event'
              ? described(userdoc.events?.[signature]) || described(devdoc.events?.[signature])
              : described(userdoc.errors?.[signature]) || described(devdoc.errors?.[signature]);
        if (!documented) missing.push(`${c.contractName}.${signature}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

it('the committed typed ABIs match the sources (run `npx tsx contracts/ts/generate-abi.ts`)', async () => {
  const { publicModule, testModule } = await renderAbiModules(build);
  expect(await readFile(join(CONTRACTS_DIR, 'ts', 'abi.ts'), 'utf8')).toBe(publicModule);
  expect(await readFile(join(CONTRACTS_DIR, 'test', 'abi.ts'), 'utf8')).toBe(testModule);
});

it("ZkGate's dispatcher matches hasValidPassBoth first (the marketplace's gas budget relies on it)", () => {
  // viaIR dispatches external functions by comparing selectors in ascending order; every
  // selector below hasValidPassBoth's would cost each marketplace purchase ~22 gas.
  const selectors = build.contracts['ZkGate']!.abi.filter(
    (item): item is AbiFunction => item.type === 'function',
  ).map((f) => [toFunctionSelector(toFunctionSignature(f)), f.name] as const);
  const first = selectors.reduce((a, b) => (BigInt(b[0]) < BigInt(a[0]) ? b : a));
  expect(first).toEqual(['0x00a30d6c', 'hasValidPassBoth']);
});

describe('one public-signal layout', () => {
  it('PublicSignals.sol and contracts/ts/signals.ts agree', async () => {
    const sol = await readFile(join(CONTRACTS_DIR, 'src', 'PublicSignals.sol'), 'utf8');
    const constant = (name: string): bigint => {
      const match = new RegExp(`uint256 (?:internal )?constant ${name} =\\s*(\\d+);`).exec(sol);
      if (!match?.[1]) throw new Error(`${name} not found in PublicSignals.sol`);
      return BigInt(match[1]);
    };
    expect(constant('PUBLIC_SIGNAL_COUNT')).toBe(BigInt(PUBLIC_SIGNAL_COUNT));
    expect(constant('FIELD_SIZE')).toBe(FIELD_SIZE);
    // The packed time signal: unix seconds in the low TIME_BITS bits, the date above them.
    expect(constant('UNIX_TIME_BITS')).toBe(BigInt(TIME_BITS));
    for (const [name, index] of Object.entries(PublicSignalIndex)) {
      const snake = name.replace(/([A-Z])/g, '_$1').toUpperCase();
      expect([name, constant(snake)]).toEqual([name, BigInt(index)]);
    }
  });

  it('and the zk core (#zk) agrees, including scope and signal hash', () => {
    expect(ZK_SIGNAL_COUNT).toBe(PUBLIC_SIGNAL_COUNT);
    expect(SIGNAL_INDEX).toEqual(PublicSignalIndex);
    const gate = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
    expect(computeScope({ chainId: 31337, gate, policyId: 7n })).toBe(gateScope(31337, gate, 7n));
    const context = `0x${'cd'.repeat(32)}` as const;
    expect(computeSignalHash({ account: gate, context })).toBe(gateSignalHash(gate, context));
  });
});
