/**
 * Offline compilation of `contracts/src/*.sol` (and, for tests, `contracts/test/*.sol`) with the
 * pinned solc-js, plus the snarkjs-generated `Groth16Verifier` taken from a file path, and the
 * verification-key constants that ZkGate's inline verifier compiles in, generated from a snarkjs
 * verification key (`verifier-key.ts`). The standard-JSON output is cached in the gitignored
 * `contracts/build/`, keyed by the hash of the exact compiler input, so a second compile of
 * unchanged sources does not even load solc.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Abi, Hex } from 'viem';
import { ContractsError, ContractsErrorCode } from './errors.js';
import { PUBLIC_SIGNAL_COUNT } from './signals.js';
import {
  PLACEHOLDER_VERIFICATION_KEY,
  VERIFICATION_KEY_UNIT,
  parseVerificationKey,
  renderVerificationKeySource,
  verificationKeyHash,
  type VerificationKey,
} from './verifier-key.js';

/** Absolute path of the `contracts/` folder. */
export const CONTRACTS_DIR = fileURLToPath(new URL('..', import.meta.url));
/** Default compile cache (gitignored). */
export const DEFAULT_BUILD_DIR = join(CONTRACTS_DIR, 'build');

/** The pinned compiler; `compileContracts` refuses any other. */
export const SOLC_VERSION = '0.8.37';

/**
 * Marker put into the TEST-ONLY fixture verifier (contracts/test/fixture). `deploy()` refuses a
 * verifier source containing it unless told `allowTestVerifier: true`.
 */
export const TEST_VERIFIER_MARKER = 'ZKREP-TEST-ONLY-VERIFIER';

/** Source unit name under which the generated verifier is compiled. */
export const VERIFIER_UNIT = 'generated/Groth16Verifier.sol';

/**
 * Compiler settings. `cancun`: transient storage for the reentrancy guard, and supported by
 * mainnet and the major L2s (later forks add nothing we use). High optimizer runs: these
 * contracts are deployed once and called often.
 */
export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 10_000 },
  viaIR: true,
  evmVersion: 'cancun',
  outputSelection: {
    '*': {
      '*': [
        'abi',
        'evm.bytecode.object',
        'evm.deployedBytecode.object',
        'evm.deployedBytecode.immutableReferences',
        'userdoc',
        'devdoc',
      ],
    },
  },
} as const;

export type ImmutableReferences = Record<string, readonly { start: number; length: number }[]>;

export type ContractArtifact = {
  readonly contractName: string;
  readonly sourceName: string;
  readonly abi: Abi;
  /** Creation code; `0x` for interfaces and abstract contracts. */
  readonly bytecode: Hex;
  /** Runtime code with zeros where immutables go. */
  readonly deployedBytecode: Hex;
  readonly immutableReferences: ImmutableReferences;
  readonly userdoc: NatSpecDoc;
  readonly devdoc: NatSpecDoc;
};

export type NatSpecDoc = {
  readonly notice?: string;
  readonly details?: string;
  readonly title?: string;
  readonly methods?: Readonly<Record<string, unknown>>;
  readonly events?: Readonly<Record<string, unknown>>;
  readonly errors?: Readonly<Record<string, unknown>>;
  readonly stateVariables?: Readonly<Record<string, unknown>>;
};

export type CompileParameters = {
  /**
   * Path of the snarkjs-generated verifier (contract `Groth16Verifier`). Omit to compile only
   * our own contracts (enough for ABIs).
   */
  verifierSourcePath?: string | undefined;
  /**
   * The snarkjs verification key JSON that ZkGate's inline verifier compiles in (the zk core's
   * `loadVerificationKey()`, or a test fixture's). Omit only for builds that need ABIs: the gate
   * then gets an all-zero placeholder key, with which every `createPolicy` reverts
   * (`PolicyRegistry__DegenerateIssuer`), so it can verify nothing.
   */
  verificationKey?: unknown;
  /** Also compile `contracts/test/*.sol` (test-only helper contracts). */
  includeTestContracts?: boolean | undefined;
  /** Cache folder; default `contracts/build`. */
  buildDir?: string | undefined;
};

export type CompileOutput = {
  readonly compilerVersion: string;
  /** sha256 of the compiler input: identifies the build. */
  readonly inputHash: Hex;
  /** sha256 of the verifier source, or undefined when none was given. */
  readonly verifierSourceSha256: Hex | undefined;
  /** The key compiled into ZkGate, or undefined when the placeholder was used. */
  readonly verificationKey: VerificationKey | undefined;
  /** `verificationKeyHash()` of that key, or undefined for the placeholder. */
  readonly verificationKeyHash: Hex | undefined;
  /** Where the generated constants file was written (inspection only; it is compiled from memory). */
  readonly verificationKeySourcePath: string;
  /** Artifacts by contract name (names are unique across our sources). */
  readonly contracts: Readonly<Record<string, ContractArtifact>>;
  /** Compiler warnings for our own sources (the generated verifier's are left out). */
  readonly warnings: readonly string[];
};

type SolcOutput = {
  errors?: { severity: string; formattedMessage: string; sourceLocation?: { file?: string } }[];
  contracts?: Record<
    string,
    Record<
      string,
      {
        abi: Abi;
        evm: {
          bytecode: { object: string };
          deployedBytecode: { object: string; immutableReferences?: ImmutableReferences };
        };
        userdoc: NatSpecDoc;
        devdoc: NatSpecDoc;
      }
    >
  >;
};

function sha256(data: string): Hex {
  return `0x${createHash('sha256').update(data).digest('hex')}`;
}

async function readSolDir(dir: string, unitPrefix: string): Promise<Record<string, string>> {
  const sources: Record<string, string> = {};
  for (const file of (await readdir(dir)).sort()) {
    if (file.endsWith('.sol')) {
      sources[`${unitPrefix}/${file}`] = await readFile(join(dir, file), 'utf8');
    }
  }
  return sources;
}

/** Compiles (or loads from cache) our contracts and the given verifier. */
export async function compileContracts(params: CompileParameters = {}): Promise<CompileOutput> {
  const buildDir = params.buildDir ?? DEFAULT_BUILD_DIR;
  const sources: Record<string, string> = await readSolDir(join(CONTRACTS_DIR, 'src'), 'src');
  if (params.includeTestContracts) {
    Object.assign(sources, await readSolDir(join(CONTRACTS_DIR, 'test'), 'test'));
  }
  let verificationKey: VerificationKey | undefined;
  if (params.verificationKey !== undefined) {
    try {
      verificationKey = parseVerificationKey(params.verificationKey);
    } catch (cause) {
      throw new ContractsError(
        ContractsErrorCode.verifierInvalid,
        'The verification key is not a usable snarkjs Groth16 key.',
        { details: cause instanceof Error ? cause.message : undefined, cause },
      );
    }
  }
  const keySource = renderVerificationKeySource(
    verificationKey ?? PLACEHOLDER_VERIFICATION_KEY,
    verificationKey
      ? 'From a snarkjs verification_key.json.'
      : 'PLACEHOLDER (no key given): every point is the identity; a gate built with it cannot create a policy.',
  );
  sources[VERIFICATION_KEY_UNIT] = keySource;
  const verificationKeySourcePath = join(
    buildDir,
    'generated',
    `VerificationKey-${sha256(keySource).slice(2, 18)}.sol`,
  );
  await writeAtomically(verificationKeySourcePath, keySource);
  // The generated verifier imports nothing and nothing imports it: it is compiled as its own
  // job, so our sources' cache survives a new verifier and a bad verifier fails fast.
  const jobs = [await compileCached(sources, buildDir)];
  let verifierSourceSha256: Hex | undefined;
  if (params.verifierSourcePath !== undefined) {
    const verifierSource = await readVerifierSource(params.verifierSourcePath);
    verifierSourceSha256 = sha256(verifierSource);
    jobs.push(await compileCached({ [VERIFIER_UNIT]: verifierSource }, buildDir));
  }

  const messages = jobs.flatMap((job) => job.output.errors ?? []);
  const errors = messages.filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new ContractsError(ContractsErrorCode.compileFailed, 'Solidity compilation failed.', {
      details: errors.map((e) => e.formattedMessage).join('\n'),
    });
  }
  const warnings = messages
    .filter((e) => e.severity !== 'error' && e.sourceLocation?.file !== VERIFIER_UNIT)
    .map((e) => e.formattedMessage);

  const contracts: Record<string, ContractArtifact> = {};
  for (const job of jobs) {
    for (const [sourceName, byName] of Object.entries(job.output.contracts ?? {})) {
      for (const [contractName, c] of Object.entries(byName)) {
        const existing = contracts[contractName];
        if (existing) {
          throw new ContractsError(
            ContractsErrorCode.compileFailed,
            `Two contracts are named ${contractName}.`,
            { details: `${existing.sourceName} and ${sourceName}` },
          );
        }
        contracts[contractName] = {
          contractName,
          sourceName,
          abi: c.abi,
          bytecode: `0x${c.evm.bytecode.object}`,
          deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
          immutableReferences: c.evm.deployedBytecode.immutableReferences ?? {},
          userdoc: c.userdoc,
          devdoc: c.devdoc,
        };
      }
    }
  }
  if (params.verifierSourcePath !== undefined) checkVerifier(contracts);
  const [first] = jobs;
  return {
    compilerVersion: first?.compilerVersion ?? '',
    inputHash: sha256(jobs.map((job) => job.inputHash).join('\n')),
    verifierSourceSha256,
    verificationKey,
    verificationKeyHash: verificationKey ? verificationKeyHash(verificationKey) : undefined,
    verificationKeySourcePath,
    contracts,
    warnings,
  };
}

type CompileJob = { inputHash: Hex; compilerVersion: string; output: SolcOutput };

/** One standard-JSON compilation, cached under contracts/build by the hash of its input. */
async function compileCached(
  sources: Record<string, string>,
  buildDir: string,
): Promise<CompileJob> {
  const input = JSON.stringify({
    language: 'Solidity',
    sources: Object.fromEntries(
      Object.entries(sources).map(([unit, content]) => [unit, { content }]),
    ),
    settings: SOLC_SETTINGS,
  });
  const inputHash = sha256(`${SOLC_VERSION}\n${input}`);
  const cacheFile = join(buildDir, `solc-${inputHash.slice(2, 18)}.json`);
  try {
    const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as CompileJob;
    if (cached.inputHash === inputHash) return cached;
  } catch {
    // No (valid) cache entry.
  }
  const job: CompileJob = { inputHash, ...(await runSolc(input)) };
  await writeAtomically(cacheFile, JSON.stringify(job));
  return job;
}

/** Writes a file atomically: concurrent compiles never read a half-written file. */
async function writeAtomically(file: string, content: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

async function runSolc(input: string): Promise<{ compilerVersion: string; output: SolcOutput }> {
  // Loaded lazily: soljson is large and a cache hit does not need it.
  const { default: solc } = await import('solc');
  const compilerVersion = String(solc.version());
  if (!compilerVersion.startsWith(`${SOLC_VERSION}+`)) {
    throw new ContractsError(
      ContractsErrorCode.compileFailed,
      `solc ${SOLC_VERSION} is required (found ${compilerVersion}).`,
    );
  }
  const output = JSON.parse(String(solc.compile(input))) as SolcOutput;
  return { compilerVersion, output };
}

/** The generated verifier must be `Groth16Verifier` with the 7-signal `verifyProof`. */
function checkVerifier(contracts: Record<string, ContractArtifact>): void {
  const verifier = contracts['Groth16Verifier'];
  const expected = `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${PUBLIC_SIGNAL_COUNT}])`;
  const found = verifier?.abi.some(
    (item) =>
      item.type === 'function' &&
      `${item.name}(${item.inputs.map((i) => i.type).join(',')})` === expected &&
      item.outputs.length === 1 &&
      item.outputs[0]?.type === 'bool',
  );
  if (!verifier || verifier.sourceName !== VERIFIER_UNIT || !found) {
    throw new ContractsError(
      ContractsErrorCode.verifierInvalid,
      'The verifier source does not define the expected Groth16Verifier.',
      { details: `expected contract Groth16Verifier with ${expected} returns (bool)` },
    );
  }
}

/** Reads a generated verifier's Solidity source; `verifier_invalid` when it cannot be read. */
export async function readVerifierSource(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new ContractsError(ContractsErrorCode.verifierInvalid, 'Cannot read the verifier.', {
      details: `path: ${path}`,
      cause,
    });
  }
}
