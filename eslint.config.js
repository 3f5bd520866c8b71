import tseslint from 'typescript-eslint';

/** The zk libraries: only the zk core (`circuits/`, imported as `#zk`) may use them. */
const ZK_LIBRARIES = {
  patterns: [
    {
      group: ['snarkjs', 'snarkjs/*', 'circomlibjs', 'circomlibjs/*', 'mcl-wasm', 'mcl-wasm/*'],
      message: 'Use the zk core (#zk): snarkjs, circomlibjs and mcl-wasm stay inside circuits/.',
    },
    {
      group: ['ffjavascript', 'ffjavascript/*', 'circom_runtime', 'r1csfile'],
      message: 'Use the zk core (#zk): field arithmetic and circuit files stay inside circuits/.',
    },
  ],
};
/** viem's chain writes: only `contracts/` (`#contracts`) may send transactions or deploy. */
const VIEM_WRITES = {
  name: 'viem',
  importNames: [
    'createWalletClient',
    'createTestClient',
    'walletActions',
    'testActions',
    'writeContract',
    'sendTransaction',
    'sendRawTransaction',
    'deployContract',
  ],
  message: 'Chain writes go through #contracts (contracts/ts), the only place for chain access.',
};
const VIEM_ACTIONS = {
  name: 'viem/actions',
  message: 'Chain access goes through #contracts (contracts/ts).',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'circuits/build/**',
      'contracts/build/**',
      'bench/tmp/**',
      '.tmp/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_`-prefixed names are intentionally unused (destructuring, callback arity).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  // Import boundaries (one place for each kind of logic).
  {
    files: ['**/*.{ts,mts,js,mjs}'],
    ignores: ['circuits/**', 'contracts/**', 'bench/**'],
    rules: {
      'no-restricted-imports': ['error', { ...ZK_LIBRARIES, paths: [VIEM_WRITES, VIEM_ACTIONS] }],
    },
  },
  {
    // contracts/ (chain access and its tests) may write to the chain, but not use zk libraries.
    files: ['contracts/**/*.{ts,mts,js,mjs}'],
    rules: { 'no-restricted-imports': ['error', ZK_LIBRARIES] },
  },
  {
    // The bench runs plain snarkjs as the baseline it compares the zk core with, and nothing else.
    files: ['bench/**/*.{ts,mts,js,mjs}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['circomlibjs', 'circomlibjs/*', 'mcl-wasm', 'mcl-wasm/*'],
              message: ZK_LIBRARIES.patterns[0].message,
            },
          ],
          paths: [VIEM_WRITES, VIEM_ACTIONS],
        },
      ],
    },
  },
  {
    // circuits/ (the zk core) may use the zk libraries, but never writes to a chain.
    files: ['circuits/**/*.{ts,mts,js,mjs}'],
    rules: { 'no-restricted-imports': ['error', { paths: [VIEM_WRITES, VIEM_ACTIONS] }] },
  },
);
