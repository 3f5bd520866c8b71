/**
 * The ESLint import boundaries hold: zk libraries only in circuits/ (and plain snarkjs in the
 * bench, as its baseline), viem chain writes only in contracts/. Each case lints a one-line
 * file as if it lived at that path with the project's own eslint.config.js.
 */
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

/** The no-restricted-imports messages for `code` linted as `filePath`. */
async function violations(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries (eslint no-restricted-imports)', () => {
  it.each([
    ["import * as snarkjs from 'snarkjs';", 'verifier/domain/x.ts'],
    ["import { buildPoseidon } from 'circomlibjs';", 'issuer/domain/x.ts'],
    ["import mcl from 'mcl-wasm';", 'wallet-agent/x.ts'],
    ["import { Scalar } from 'ffjavascript';", 'test/x.ts'],
    ["import * as snarkjs from 'snarkjs';", 'contracts/ts/x.ts'],
    ["import { buildPoseidon } from 'circomlibjs';", 'bench/x.ts'],
  ])('refuses %s in %s', async (code, file) => {
    expect(await violations(code, file)).toEqual([expect.stringMatching(/#zk/)]);
  });

  it.each([
    ["import { createWalletClient } from 'viem';", 'verifier/x.ts'],
    ["import { writeContract } from 'viem/actions';", 'issuer/x.ts'],
    ["import { createTestClient } from 'viem';", 'circuits/ts/x.ts'],
    ["import { sendTransaction } from 'viem';", 'bench/x.ts'],
  ])('refuses the chain write %s in %s', async (code, file) => {
    expect(await violations(code, file)).toEqual([expect.stringMatching(/#contracts/)]);
  });

  it.each([
    ["import * as snarkjs from 'snarkjs';", 'circuits/ts/x.ts'],
    ["import * as snarkjs from 'snarkjs';", 'bench/x.ts'],
    ["import { createWalletClient } from 'viem';", 'contracts/ts/x.ts'],
    ["import { keccak256, encodeAbiParameters } from 'viem';", 'verifier/x.ts'],
    ["import * as zk from '#zk';", 'verifier/x.ts'],
  ])('allows %s in %s', async (code, file) => {
    expect(await violations(code, file)).toEqual([]);
  });
});
