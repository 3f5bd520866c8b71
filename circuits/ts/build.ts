/**
 * The artifact pipeline: circom2 (--O2) → r1cs + wasm; the committed dev powers of tau;
 * deterministic phase 2 (zkey new + a fixed beacon) → final zkey, verification key and
 * the Solidity verifier. Builds only what is missing; checks every hash against the lock.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as snarkjs from 'snarkjs';
import {
  ARTIFACT_FILES,
  type ArtifactName,
  type ArtifactsLock,
  CIRCUITS_DIR,
  CIRCUIT_NAME,
  LOCK_FILE,
  PTAU_FILE,
  artifactPath,
  buildDir,
  circuitSourcesHash,
  sha256,
} from './artifacts.js';
import { ZK_ERROR, ZkError } from './errors.js';

const require = createRequire(import.meta.url);
/** The folder of an installed package (works for packages whose `exports` hide package.json). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (dir !== dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === name)
      return dir;
    dir = dirname(dir);
  }
  throw new ZkError(ZK_ERROR.artifactMissing, `package ${name} is not installed`);
}
const pkgVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')) as { version: string })
    .version;

/** Fixed, public beacon: phase 2 is reproducible and explicitly NOT a secure ceremony. */
export const DEV_BEACON_HASH = '7a6b7265702d6465762d6f6e6c792d6265616b6f6e2d6e6f742d736563757265';
export const DEV_BEACON_ITERATIONS_EXP = 10;
export const PTAU_POWER = 14;

export interface BuildOptions {
  /** Output folder (default: circuits/build). */
  outDir?: string;
  /** Write a new lock instead of checking against it. */
  updateLock?: boolean;
  log?: (line: string) => void;
}

export interface BuildResult {
  outDir: string;
  built: ArtifactName[];
  sha256: Record<ArtifactName, string>;
  constraints: number;
  publicSignals: number;
}

function fileHash(path: string): string {
  return sha256(readFileSync(path));
}

/**
 * Compiles a circom file (path relative to the repo root) with circom2 --O2 into outDir.
 * Used for the main circuit and for the small test harness circuits.
 */
export function compileCircuit(outDir: string, source = 'circuits/src/main.circom'): void {
  const cli = join(packageDir('circom2'), 'cli.js');
  const repoRoot = join(CIRCUITS_DIR, '..');
  mkdirSync(outDir, { recursive: true });
  try {
    execFileSync(
      process.execPath,
      [
        cli,
        source,
        '--r1cs',
        '--wasm',
        '--sym',
        '--O2',
        '-l',
        'node_modules',
        '-l',
        'circuits/src',
        '-o',
        outDir,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (err) {
    const out =
      String((err as { stdout?: Buffer }).stdout ?? '') +
      String((err as { stderr?: Buffer }).stderr ?? '');
    throw new ZkError(
      ZK_ERROR.buildFailed,
      `circom2 failed on ${source}: ${out
        .replace(/\x1b\[[0-9;]*m/g, '')
        .trim()
        .split('\n')
        .slice(0, 3)
        .join(' ')}`,
    );
  }
}

/** Builds whatever is missing in `outDir`, then checks (or writes) the lock. */
export async function buildArtifacts(options: BuildOptions = {}): Promise<BuildResult> {
  const outDir = options.outDir ?? buildDir();
  const log = options.log ?? (() => {});
  mkdirSync(outDir, { recursive: true });
  const built: ArtifactName[] = [];
  const quiet = { info() {}, debug() {}, warn() {}, error: (m: string) => log(m) };

  if (!existsSync(PTAU_FILE))
    throw new ZkError(ZK_ERROR.artifactMissing, 'the dev powers of tau is missing');
  const lock: ArtifactsLock | undefined = existsSync(LOCK_FILE)
    ? (JSON.parse(readFileSync(LOCK_FILE, 'utf8')) as ArtifactsLock)
    : undefined;
  const ptauHash = fileHash(PTAU_FILE);
  if (lock && !options.updateLock && lock.ptau.sha256 !== ptauHash) {
    throw new ZkError(
      ZK_ERROR.artifactMismatch,
      'the powers of tau does not match artifacts.lock.json (S04)',
    );
  }

  // The sources the build dir was compiled from; a changed source rebuilds everything.
  const sourcesHash = circuitSourcesHash();
  if (lock?.sourcesSha256 && !options.updateLock && lock.sourcesSha256 !== sourcesHash) {
    throw new ZkError(
      ZK_ERROR.artifactMismatch,
      'the circuit sources differ from artifacts.lock.json (rebuild with --update-lock after a circuit change)',
    );
  }
  const stamp = join(outDir, 'sources.sha256');
  const stale = !existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== sourcesHash;
  const r1cs = artifactPath('r1cs', outDir);
  if (stale || !existsSync(r1cs) || !existsSync(artifactPath('wasm', outDir))) {
    log('compiling circuits/src/main.circom with circom2 --O2');
    compileCircuit(outDir);
    built.push('r1cs', 'sym', 'wasm');
    writeFileSync(stamp, sourcesHash + '\n');
  }
  const zkey = artifactPath('zkey', outDir);
  if (!existsSync(zkey) || built.includes('r1cs')) {
    const zkey0 = join(outDir, `${CIRCUIT_NAME}_0000.zkey`);
    log('phase 2: zkey new');
    await snarkjs.zKey.newZKey(r1cs, PTAU_FILE, zkey0, quiet);
    log('phase 2: dev beacon');
    await snarkjs.zKey.beacon(
      zkey0,
      zkey,
      'zkrep dev beacon (NOT a ceremony)',
      DEV_BEACON_HASH,
      DEV_BEACON_ITERATIONS_EXP,
      quiet,
    );
    rmSync(zkey0);
    built.push('zkey');
  }
  const vkey = artifactPath('vkey', outDir);
  if (!existsSync(vkey) || built.includes('zkey')) {
    const vk = await snarkjs.zKey.exportVerificationKey(zkey, quiet);
    writeFileSync(vkey, JSON.stringify(vk, null, 1) + '\n');
    built.push('vkey');
  }
  const verifier = artifactPath('verifier', outDir);
  if (!existsSync(verifier) || built.includes('zkey')) {
    const template = readFileSync(
      join(packageDir('snarkjs'), 'templates', 'verifier_groth16.sol.ejs'),
      'utf8',
    );
    const sol = await snarkjs.zKey.exportSolidityVerifier(zkey, { groth16: template }, quiet);
    writeFileSync(verifier, sol);
    built.push('verifier');
  }

  const info = await snarkjs.r1cs.info(r1cs, quiet);
  const hashes = Object.fromEntries(
    (Object.keys(ARTIFACT_FILES) as ArtifactName[]).map((n) => [
      n,
      fileHash(artifactPath(n, outDir)),
    ]),
  ) as Record<ArtifactName, string>;
  const result: BuildResult = {
    outDir,
    built,
    sha256: hashes,
    constraints: info.nConstraints,
    publicSignals: info.nOutputs + info.nPubInputs,
  };

  if (options.updateLock || !lock) {
    const next: ArtifactsLock = {
      circuit: 'circuits/src/main.circom',
      tools: {
        circom2: pkgVersion('circom2'),
        snarkjs: pkgVersion('snarkjs'),
        circomlib: pkgVersion('circomlib'),
        node: process.versions.node.split('.')[0]! + '.x',
      },
      ptau: {
        file: 'circuits/ptau/pot14_dev.ptau',
        power: PTAU_POWER,
        sha256: ptauHash,
        devOnly: true,
        provenance:
          'snarkjs powersoftau new bn128 14, then beacon (see circuits/ptau/README.md); NOT a ceremony',
      },
      phase2: {
        beaconHash: DEV_BEACON_HASH,
        iterationsExp: DEV_BEACON_ITERATIONS_EXP,
        devOnly: true,
      },
      constraints: result.constraints,
      publicSignals: result.publicSignals,
      sourcesSha256: sourcesHash,
      sha256: hashes,
    };
    writeFileSync(LOCK_FILE, JSON.stringify(next, null, 2) + '\n');
    log(`wrote ${LOCK_FILE}`);
  } else {
    const bad = (Object.keys(hashes) as ArtifactName[]).filter((n) => lock.sha256[n] !== hashes[n]);
    if (bad.length > 0) {
      throw new ZkError(
        ZK_ERROR.artifactMismatch,
        `built artifacts differ from artifacts.lock.json: ${bad.map((n) => ARTIFACT_FILES[n]).join(', ')} (rebuild with --update-lock after a circuit change)`,
      );
    }
  }
  return result;
}

/** Lists the files in a build dir (for diagnostics). */
export function listBuild(dir = buildDir()): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}
