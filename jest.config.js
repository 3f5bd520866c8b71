/** jest runs TypeScript as ESM through swc; see README "Tests". */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: {
    '^#zk$': '<rootDir>/circuits/ts/index.ts',
    '^#contracts$': '<rootDir>/contracts/ts/index.ts',
    '^#platform$': '<rootDir>/platform/index.ts',
    '^#issuer$': '<rootDir>/issuer/index.ts',
    '^#verifier$': '<rootDir>/verifier/index.ts',
    '^#wallet$': '<rootDir>/wallet-agent/index.ts',
    '^#marketplace$': '<rootDir>/marketplace/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/build/'],
  globalSetup: '<rootDir>/test/global-setup.mjs',
  testTimeout: 300000,
};
