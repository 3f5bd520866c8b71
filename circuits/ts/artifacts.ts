/**
 * Circuit artifacts: where they live, and hash-checked loading. The lock file
 * `circuits/artifacts.lock.json` pins tool versions and the sha256 of every artifact;
 * nothing is used whose bytes differ from it (S02, S03).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZK_ERROR, ZkError } from './errors.js';

export const CIRCUITS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const LOCK_FILE = join(CIRCUITS_DIR, 'artifacts.lock.json');
export const PTAU_FILE = join(CIRCUITS_DIR, 'ptau', 'pot14_dev.ptau');
export const CIRCUIT_NAME = 'main';

/** Where the build writes: `ZKREP_CIRCUITS_BUILD` or `circuits/build`. */
export function buildDir(): string {
  return process.env.ZKREP_CIRCUITS_BUILD ?? join(CIRCUITS_DIR, 'build');
}

/** Artifact file names, relative to a build dir, keyed as in the lock file. */
export const ARTIFACT_FILES = {
  r1cs: `${CIRCUIT_NAME}.r1cs`,
  sym: `${CIRCUIT_NAME}.sym`,
  wasm: `${CIRCUIT_NAME}_js/${CIRCUIT_NAME}.wasm`,
  zkey: `${CIRCUIT_NAME}_final.zkey`,
  vkey: 'verification_key.json',
  verifier: 'Groth16Verifier.sol',
} as const;
export type ArtifactName = keyof typeof ARTIFACT_FILES;

export interface ArtifactsLock {
  circuit: string;
  tools: Record<string, string>;
  ptau: { file: string; power: number; sha256: string; devOnly: true; provenance: string };
  phase2: { beaconHash: string; iterationsExp: number; devOnly: true };
  constraints: number;
  publicSignals: number;
  /** sha256 over the circuit sources (`circuitSourcesHash`): a changed source needs a rebuild. */
  sourcesSha256?: string;
  sha256: Record<ArtifactName, string>;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * sha256 over every circuit source (circuits/src/*.circom, sorted by name; name and content),
 * so a stale build or a stale lock is detected after a circuit change.
 */
export function circuitSourcesHash(): string {
  const src = join(CIRCUITS_DIR, 'src');
  const h = createHash('sha256');
  for (const name of readdirSync(src)
    .filter((n) => n.endsWith('.circom'))
    .sort()) {
    h.update(`${name}\0`)
      .update(readFileSync(join(src, name)))
      .update('\0');
  }
  return h.digest('hex');
}

export function readLock(): ArtifactsLock {
  if (!existsSync(LOCK_FILE)) {
    throw new ZkError(ZK_ERROR.artifactMissing, 'circuits/artifacts.lock.json is missing');
  }
  return JSON.parse(readFileSync(LOCK_FILE, 'utf8')) as ArtifactsLock;
}

/** Absolute path of an artifact in a build dir. */
export function artifactPath(name: ArtifactName, dir = buildDir()): string {
  return join(dir, ARTIFACT_FILES[name]);
}

/** Reads an artifact and refuses it unless its sha256 matches the lock. */
export function loadArtifact(name: ArtifactName, dir = buildDir()): Buffer {
  const path = artifactPath(name, dir);
  if (!existsSync(path)) {
    throw new ZkError(
      ZK_ERROR.artifactMissing,
      `circuit artifact ${ARTIFACT_FILES[name]} is missing: run npm run build:circuits`,
    );
  }
  const data = readFileSync(path);
  const expected = readLock().sha256[name];
  if (sha256(data) !== expected) {
    throw new ZkError(
      ZK_ERROR.artifactMismatch,
      `circuit artifact ${ARTIFACT_FILES[name]} does not match artifacts.lock.json`,
    );
  }
  return data;
}

/** The verification key (hash-checked). */
export function loadVerificationKey(dir = buildDir()): Record<string, unknown> {
  return JSON.parse(loadArtifact('vkey', dir).toString('utf8')) as Record<string, unknown>;
}

/** Path of the generated Solidity verifier, after checking its hash. */
export function verifierSolidityPath(dir = buildDir()): string {
  loadArtifact('verifier', dir);
  return artifactPath('verifier', dir);
}
