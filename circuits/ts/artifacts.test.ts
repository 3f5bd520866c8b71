/**
 * Artifact provenance (SECURITY-CASES S01–S05): the build is reproducible and matches the
 * lock, the zkey carries its (dev) beacon contribution and comes from this r1cs and ptau,
 * the verification key is identical everywhere it appears, and tampered or missing
 * artifacts are refused at load time.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { buildArtifacts } from './build.js';
import {
  ARTIFACT_FILES,
  PTAU_FILE,
  artifactPath,
  buildDir,
  circuitSourcesHash,
  readLock,
  sha256,
} from './artifacts.js';
import { ZkError, loadArtifact, loadVerificationKey, shutdownZk } from './index.js';

const quiet = (lines: string[]) => ({
  info: (m: string) => lines.push(m),
  warn: (m: string) => lines.push(m),
  error: (m: string) => lines.push(m),
  debug() {},
});

afterAll(async () => {
  await shutdownZk();
});

describe('artifact provenance', () => {
  it('S03: a clean rebuild into an empty folder is byte-identical to the lock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zkrep-rebuild-'));
    try {
      // buildArtifacts throws artifact_mismatch if any hash differs from the lock
      const res = await buildArtifacts({ outDir: dir });
      expect(res.built.sort()).toEqual(Object.keys(ARTIFACT_FILES).sort());
      expect(res.sha256).toEqual(readLock().sha256);
      expect(res.constraints).toBe(readLock().constraints);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('S01: the final zkey comes from this r1cs and ptau and carries the dev beacon contribution', async () => {
    const lines: string[] = [];
    const ok = await snarkjs.zKey.verifyFromR1cs(
      artifactPath('r1cs'),
      PTAU_FILE,
      artifactPath('zkey'),
      quiet(lines),
    );
    expect(ok).toBe(true);
    const log = lines.join('\n');
    expect(log).toMatch(/contribution #1 zkrep dev beacon/);
    expect(log).toMatch(new RegExp(`Beacon generator: ${readLock().phase2.beaconHash}`));
    expect(log).not.toMatch(/contribution #2/);
  });

  it('S04: the powers of tau has the pinned hash, power 14, and verifies', async () => {
    const lock = readLock();
    expect(sha256(readFileSync(PTAU_FILE))).toBe(lock.ptau.sha256);
    expect(lock.ptau.power).toBe(14);
    expect(lock.ptau.devOnly).toBe(true);
    const lines: string[] = [];
    expect(await snarkjs.powersOfTau.verify(PTAU_FILE, quiet(lines))).toBe(true);
    expect(lines.join('\n')).toMatch(/Powers of Tau Ok!/);
  });

  it('S02: the verification key is identical in the zkey, the JSON and the Solidity verifier', async () => {
    const fromZkey = await snarkjs.zKey.exportVerificationKey(artifactPath('zkey'), quiet([]));
    const vk = loadVerificationKey() as {
      vk_alpha_1: string[];
      vk_beta_2: string[][];
      vk_gamma_2: string[][];
      vk_delta_2: string[][];
      IC: string[][];
    };
    expect(vk).toEqual(JSON.parse(JSON.stringify(fromZkey)));
    const sol = readFileSync(artifactPath('verifier'), 'utf8');
    const constant = (name: string): string => {
      const m = new RegExp(`uint256 constant ${name}\\s*=\\s*(\\d+);`).exec(sol);
      if (!m) throw new Error(`constant ${name} not found`);
      return m[1]!;
    };
    expect([constant('alphax'), constant('alphay')]).toEqual(vk.vk_alpha_1.slice(0, 2));
    // the Solidity template stores G2 coordinates as (x1, x2) = (c1, c0)
    for (const [name, p] of [
      ['beta', vk.vk_beta_2],
      ['gamma', vk.vk_gamma_2],
      ['delta', vk.vk_delta_2],
    ] as const) {
      expect([
        constant(`${name}x1`),
        constant(`${name}x2`),
        constant(`${name}y1`),
        constant(`${name}y2`),
      ]).toEqual([p[0]![1], p[0]![0], p[1]![1], p[1]![0]]);
    }
    vk.IC.forEach((p, i) => {
      expect([constant(`IC${i}x`), constant(`IC${i}y`)]).toEqual(p.slice(0, 2));
    });
    expect(sol).not.toMatch(/IC8x/);
  });

  it('S03: the lock pins the circuit sources it was built from (a changed .circom needs --update-lock)', () => {
    const lock = readLock();
    expect(lock.sourcesSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(circuitSourcesHash()).toBe(lock.sourcesSha256);
    // and the build dir records the same sources (a stale build is rebuilt, not used)
    expect(readFileSync(join(buildDir(), 'sources.sha256'), 'utf8').trim()).toBe(
      lock.sourcesSha256,
    );
  });

  it('S05: tool versions are pinned exactly, snarkjs ≥ 0.7.5, and match the lock', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const lock = readLock();
    for (const name of ['snarkjs', 'circom2', 'circomlib', 'circomlibjs']) {
      expect([name, pkg.dependencies[name]]).toEqual([
        name,
        expect.stringMatching(/^\d+\.\d+\.\d+$/),
      ]);
    }
    expect(pkg.dependencies.snarkjs).toBe(lock.tools.snarkjs);
    expect(pkg.dependencies.circom2).toBe(lock.tools.circom2);
    expect(pkg.dependencies.circomlib).toBe(lock.tools.circomlib);
    const [maj, min, patch] = pkg.dependencies.snarkjs!.split('.').map(Number) as [
      number,
      number,
      number,
    ];
    expect(maj > 0 || min > 7 || (min === 7 && patch >= 5)).toBe(true);
  });
});

describe('runtime loading refuses bad artifacts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'zkrep-tamper-'));
    cpSync(buildDir(), dir, { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the genuine artifacts', () => {
    expect(loadArtifact('zkey', dir).length).toBeGreaterThan(1_000_000);
  });

  it.each(['zkey', 'wasm', 'vkey', 'verifier'] as const)(
    'a one-byte change in %s is refused',
    (name) => {
      const path = artifactPath(name, dir);
      const orig = readFileSync(path);
      const changed = Buffer.from(orig);
      changed[changed.length >> 1] = changed[changed.length >> 1]! ^ 0x01;
      writeFileSync(path, changed);
      try {
        expect(() => loadArtifact(name, dir)).toThrow(ZkError);
        expect(() => loadArtifact(name, dir)).toThrow(/does not match artifacts.lock.json/);
      } finally {
        writeFileSync(path, orig);
      }
    },
  );

  it('a missing artifact is refused with a clear message', () => {
    rmSync(artifactPath('vkey', dir));
    expect(() => loadArtifact('vkey', dir)).toThrow(/missing: run npm run build:circuits/);
  });
});
