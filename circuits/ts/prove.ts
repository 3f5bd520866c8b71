/**
 * Witness calculation and Groth16 proving. The witness calculator is instantiated once and
 * reused (it cuts witness time ~3×); the zkey and wasm are read once, hash-checked, and the
 * checked bytes are what is used (no re-read between check and use). The proving key is parsed
 * once and kept; proofs come from the zk core's own scheduler on the bn128 engine (groth16.ts),
 * and each proof is checked against the verification key before it is returned.
 */
import { WitnessCalculatorBuilder, type WitnessCalculator } from 'circom_runtime';
import { loadArtifact } from './artifacts.js';
import { ZK_ERROR, ZkError } from './errors.js';
import {
  engine,
  parseProvingKey,
  proveWithKey,
  witnessValues,
  type ProvingKey,
} from './groth16.js';
import type { CircuitInput } from './inputs.js';
import { prepareLockedKey, verify } from './verify.js';

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

/** The circom runtime's exception codes, worded as circom_runtime words them. */
const RUNTIME_EXCEPTIONS: Record<number, string> = {
  1: 'Signal not found. ',
  2: 'Too many signals set. ',
  3: 'Signal already set. ',
  4: 'Assert Failed. ',
  5: 'Not enough memory. ',
  6: 'Input signal array access exceeds the size. ',
};

// The WebAssembly API, typed here: the project's lib settings (ES2022, node) do not declare it.
interface WasmInstance {
  exports: Record<string, unknown>;
}
const wasmApi = (
  globalThis as unknown as {
    WebAssembly: {
      compile(bytes: Uint8Array): Promise<object>;
      instantiate(module: object, imports: Record<string, object>): Promise<WasmInstance>;
    };
  }
).WebAssembly;
// circom_runtime's builder also takes a ready WebAssembly.Instance (vendor.d.ts types bytes only)
const builderFromInstance = WitnessCalculatorBuilder as unknown as (
  instance: WasmInstance,
) => Promise<WitnessCalculator>;

/**
 * One instance of a circuit's wasm that never prints. circom's JS runtimes (circom_runtime
 * and the generated witness_calculator.js alike) implement the wasm's `runtime` imports with
 * console.log/console.error: a failed assert prints "ERROR: 4 …" before it throws. Muting the
 * global console around the call is not safe across `await`s (two overlapping calls left it
 * muted for the rest of the process), so the instance is made here, with imports that keep
 * the runtime's messages for the thrown error instead of printing them; handed a ready
 * instance, circom_runtime's builder installs no imports of its own.
 */
async function quietCalculator(module: object): Promise<WitnessCalculator> {
  let exports: Record<string, unknown> = {};
  let errors = '';
  const message = (): string => {
    const next = exports.getMessageChar as () => number;
    let s = '';
    for (let c = next(); c !== 0; c = next()) s += String.fromCharCode(c);
    return s;
  };
  const instance = await wasmApi.instantiate(module, {
    runtime: {
      exceptionHandler: (code: number): never => {
        throw new Error(`${RUNTIME_EXCEPTIONS[code] ?? 'Unknown error. '}${errors}`);
      },
      printErrorMessage: (): void => {
        errors += `${message()}\n`;
      },
      writeBufferMessage: (): void => void message(), // the circuit's log(): drained, not printed
      showSharedRWMemory: (): void => {},
    },
  });
  exports = instance.exports;
  return builderFromInstance(instance);
}

/**
 * Instantiates a witness calculator for a circuit wasm (instantiate once, reuse). Nothing is
 * printed and no global is touched: a failure's messages end up in the thrown ZkError.
 * Calculations on one instance run one at a time: circom_runtime `await`s between computing
 * a witness and reading it out, so two overlapping calls on one instance would each read the
 * witness of whichever input was set last. After a failed witness the instance is discarded
 * and a fresh one is made on next use (its message buffer and state start clean).
 */
export async function createWitnessCalculator(wasm: Uint8Array): Promise<CircuitWitness> {
  const module = await wasmApi.compile(wasm);
  let wc: Promise<WitnessCalculator> | undefined = quietCalculator(module);
  await wc;
  let tail: Promise<unknown> = Promise.resolve();
  const run = <T>(fn: (c: WitnessCalculator) => Promise<T>): Promise<T> => {
    const result = tail.then(async () => {
      try {
        return await fn(await (wc ??= quietCalculator(module)));
      } catch (err) {
        wc = undefined;
        throw witnessError(err);
      }
    });
    tail = result.catch(() => undefined);
    return result;
  };
  return {
    wtns: (input) => run((c) => c.calculateWTNSBin(input, true)),
    values: (input) => run((c) => c.calculateWitness(input, true)),
  };
}

let calculator: Promise<CircuitWitness> | undefined;
let provingKey: ProvingKey | undefined;

/** The main circuit's proving key, read (hash-checked) and parsed once. */
function mainKey(): ProvingKey {
  provingKey ??= parseProvingKey(loadArtifact('zkey'));
  return provingKey;
}

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

/**
 * Proves from a computed witness (.wtns bytes). The proof is verified (mcl, the locked
 * verification key) before it is returned: a witness that does not satisfy the circuit —
 * possible only for hand-made .wtns bytes — gives `witness_failed`, never a proof that fails later.
 */
export async function proveFromWitness(wtns: Uint8Array): Promise<ProofResult> {
  const key = mainKey();
  const raw = await proveWithKey(key, witnessValues(wtns, key));
  const dec = (x: bigint): string => x.toString();
  const result: ProofResult = {
    proof: {
      pi_a: raw.pi_a.map(dec) as Groth16Proof['pi_a'],
      pi_b: raw.pi_b.map((p) => p.map(dec)) as Groth16Proof['pi_b'],
      pi_c: raw.pi_c.map(dec) as Groth16Proof['pi_c'],
      protocol: 'groth16',
      curve: 'bn128',
    },
    publicSignals: raw.publicSignals.map(dec),
  };
  const checked = await verify(result.proof, result.publicSignals);
  if (!checked.verified) {
    throw new ZkError(
      ZK_ERROR.witnessFailed,
      `the witness does not satisfy the circuit: its proof does not verify (${checked.code})`,
    );
  }
  return result;
}

/**
 * Loads what proving needs — the witness calculator, the parsed proving key, the bn128 engine
 * and its worker threads, the prepared verification key — so that the next proof is warm. For
 * long-running provers (the wallet agent).
 */
export async function warmProver(): Promise<void> {
  await mainCalculator();
  mainKey();
  await engine();
  prepareLockedKey();
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
