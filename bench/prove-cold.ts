/**
 * Times the first witness, proof and verification of a fresh process (module loading, wasm
 * instantiation, curve and worker start-up included). argv: <input.json>
 */
import { readFileSync } from 'node:fs';
import { type CircuitInput, calculateWitness, proveFromWitness, shutdownZk, verify } from '#zk';

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CircuitInput;
let t = performance.now();
const wtns = await calculateWitness(input);
const coldWitnessMs = performance.now() - t;
t = performance.now();
const { proof, publicSignals } = await proveFromWitness(wtns);
const coldProveMs = performance.now() - t + coldWitnessMs;
t = performance.now();
const res = await verify(proof, publicSignals);
const coldVerifyMs = performance.now() - t;
await shutdownZk();
if (!res.verified) throw new Error('cold proof did not verify');
console.log(JSON.stringify({ coldWitnessMs, coldProveMs, coldVerifyMs }));
