/** Times the first proof of a fresh process (curve and worker start-up included). argv: <input.json> */
import { readFileSync } from 'node:fs';
import { type CircuitInput, prove, shutdownZk } from '#zk';

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CircuitInput;
const t = performance.now();
await prove(input);
const ms = performance.now() - t;
await shutdownZk();
console.log(JSON.stringify({ coldProveMs: ms }));
