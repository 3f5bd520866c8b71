/**
 * Witness calculation and Groth16 proving. The witness calculator is instantiated once and
 * reused (it cuts witness time ~3×); the zkey and wasm are read once, hash-checked, and the
 * checked bytes are what is used (no re-read between check and use).
 */
import { WitnessCalculatorBuilder, type WitnessCalculator } from 'circom_runtime';
import * as snarkjs from 'snarkjs';
import { loadArtifact } from './artifacts.js';
import { ZK_ERROR, ZkError } from './errors.js';
import type { CircuitInput } from './inputs.js';

/** A Groth16 proof as snarkjs encodes it (decimal strings, projective with z = 1). */
export interface Groth16Proof {
  pi_a: [string, string, string];
  pi_b: [[string, string], [string, string], [string, string]];
  pi_c: [string, string, string];
  protocol: 'groth16';
  curve: 'bn128';
}

export interface ProofResult {
  proof: Groth16Proof;
  publicSignals: string[];
}

/** A reusable witness calculator for one circuit's wasm, with clean errors. */
export interface CircuitWitness {
  /** The witness as .wtns bytes (what the prover takes). */
  wtns(input: CircuitInput): Promise<Uint8Array>;
  /** The witness as field elements (index 0 is the constant 1). */
  values(input: CircuitInput): Promise<bigint[]>;
}

/** Turns a circom runtime failure into a clean ZkError (no witness values, no stack). */
function witnessError(err: unknown): ZkError {
  if (err instanceof ZkError) return err;
  const msg = String((err as Error)?.message ?? err);
  // "Error in template Name_12 line: 34" for each frame, innermost first.
  const frames = [...msg.matchAll(/Error in template (\w+?)_\d+ line: (\d+)/g)].map(
    (m) => `${m[1]} line ${m[2]}`,
  );
  if (msg.includes('Assert Failed')) {
    return new ZkError(
      ZK_ERROR.witnessFailed,
      `the inputs do not satisfy the circuit${frames.length ? ` (${frames.join(' < ')})` : ''}`,
    );
  }
  if (/not an input|Not enough values|Too many values|Not all inputs|not found/.test(msg)) {
    return new ZkError(ZK_ERROR.badInput, `malformed circuit input: ${msg.split('\n')[0]}`);
  }
  return new ZkError(ZK_ERROR.witnessFailed, 'witness calculation failed', { cause: err });
}

/** Runs `fn` with console.error/log muted: the runtime prints failed asserts before throwing. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const { error, log } = console;
  console.error = () => {};
  console.log = () => {};
  try {
    return await fn();
  } catch (err) {
    throw witnessError(err);
  } finally {
    console.error = error;
    console.log = log;
  }
}

/**
 * Instantiates a witness calculator for a circuit wasm (instantiate once, reuse). The
 * circom runtime appends every failure message to a string it never clears, so after a
 * failed witness the instance is discarded and a fresh one is built on next use: errors
 * name only the current failure, and a long-running service does not grow that string.
 */
export async function createWitnessCalculator(wasm: Uint8Array): Promise<CircuitWitness> {
  let wc: Promise<WitnessCalculator> = WitnessCalculatorBuilder(wasm);
  await wc;
  const run = async <T>(fn: (c: WitnessCalculator) => Promise<T>): Promise<T> => {
    const current = await wc;
    try {
      return await quietly(() => fn(current));
    } catch (err) {
      wc = WitnessCalculatorBuilder(wasm);
      throw err;
    }
  };
  return {
    wtns: (input) => run((c) => c.calculateWTNSBin(input, true)),
    values: (input) => run((c) => c.calculateWitness(input, true)),
  };
}

let calculator: Promise<CircuitWitness> | undefined;
let zkey: Buffer | undefined;

function mainCalculator(): Promise<CircuitWitness> {
  calculator ??= createWitnessCalculator(loadArtifact('wasm')).catch((err: unknown) => {
    calculator = undefined;
    throw err;
  });
  return calculator;
}

/** Computes the main circuit's witness (.wtns bytes); `witness_failed` when a constraint is violated. */
export async function calculateWitness(input: CircuitInput): Promise<Uint8Array> {
  return (await mainCalculator()).wtns(input);
}

/** The main circuit's witness as field elements, for tests and tooling. */
export async function calculateWitnessValues(input: CircuitInput): Promise<bigint[]> {
  return (await mainCalculator()).values(input);
}

/** Proves from a witness input: witness → Groth16 proof and public signals. */
export async function prove(input: CircuitInput): Promise<ProofResult> {
  const wtns = await calculateWitness(input);
  return proveFromWitness(wtns);
}

/** Proves from a computed witness (.wtns bytes). */
export async function proveFromWitness(wtns: Uint8Array): Promise<ProofResult> {
  zkey ??= loadArtifact('zkey');
  const { proof, publicSignals } = await snarkjs.groth16.prove(
    { type: 'mem', data: zkey },
    { type: 'mem', data: wtns },
  );
  return { proof: proof as Groth16Proof, publicSignals };
}

/**
 * Stops snarkjs's curve worker threads so the process can exit. Call once when done
 * proving/verifying (CLIs, tests' afterAll); proving again afterwards rebuilds the curve.
 */
export async function shutdownZk(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  const curve = g.curve_bn128;
  if (curve) {
    g.curve_bn128 = null;
    await curve.terminate();
  }
}
