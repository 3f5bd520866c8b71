/**
 * Poseidon over BN254 with circomlib's constants (the same permutation as circomlib's
 * `Poseidon(n)` template), 1 to 16 inputs. The one place outside the circuit that hashes.
 */
import { buildPoseidon } from 'circomlibjs';
import { ZK_ERROR, ZkError } from './errors.js';
import { assertField } from './field.js';

// circomlibjs builds a single-threaded WASM instance: no worker threads to clean up.
const impl = await buildPoseidon();

/** Poseidon hash of 1..16 field elements. */
export function poseidon(inputs: readonly bigint[]): bigint {
  if (inputs.length < 1 || inputs.length > 16) {
    throw new ZkError(ZK_ERROR.badInput, 'poseidon takes 1 to 16 inputs');
  }
  inputs.forEach((x, i) => assertField(x, `poseidon input ${i}`));
  return impl.F.toObject(impl(inputs as bigint[])) as bigint;
}
