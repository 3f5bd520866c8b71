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

let calculator: Promise<WitnessCalculator> | undefined;
let zkey: Buffer | undefined;

function getCalculator(): Promise<WitnessCalculator> {
  calculator ??= WitnessCalculatorBuilder(loadArtifact('wasm')).catch((err: unknown) => {
    calculator = undefined;
    throw err;
  });
  return calculator;
}

/** Turns a circom runtime failure into a clean ZkError (no witness values, no stack). */
function witnessError(err: unknown): ZkError {
  if (err instanceof ZkError) return err;
  const msg = String((err as Error)?.message ?? err);
  const where = /Error in template (\w+?)_\d+ line: (\d+)/.exec(msg);
  if (msg.startsWith('Assert Failed')) {
    return new ZkError(
      ZK_ERROR.witnessFailed,
      `the inputs do not satisfy the circuit${where ? ` (${where[1]} line ${where[2]})` : ''}`,
    );
  }
  if (/not an input|Not enough values|Too many values|Not all inputs|not found/.test(msg)) {
    return new ZkError(ZK_ERROR.badInput, `malformed circuit input: ${msg.split('\n')[0]}`);
  }
  return new ZkError(ZK_ERROR.witnessFailed, 'witness calculation failed', { cause: err });
}

/** Computes the witness (.wtns bytes); fails with `witness_failed` when a constraint is violated. */
export async function calculateWitness(input: CircuitInput): Promise<Uint8Array> {
  const wc = await getCalculator();
  // The runtime prints failed asserts to the console before throwing; keep that off stderr.
  const { error, log } = console;
  console.error = () => {};
  console.log = () => {};
  try {
    return await wc.calculateWTNSBin(input, true);
  } catch (err) {
    throw witnessError(err);
  } finally {
    console.error = error;
    console.log = log;
  }
}

/** The witness as field elements (index 0 is the constant 1), for tests and tooling. */
export async function calculateWitnessValues(input: CircuitInput): Promise<bigint[]> {
  const wc = await getCalculator();
  const { error, log } = console;
  console.error = () => {};
  console.log = () => {};
  try {
    return await wc.calculateWitness(input, true);
  } catch (err) {
    throw witnessError(err);
  } finally {
    console.error = error;
    console.log = log;
  }
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
