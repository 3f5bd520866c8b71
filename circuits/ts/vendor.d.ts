// Minimal typings for untyped dependencies, limited to what the zk core uses.
declare module 'circomlibjs' {
  interface FieldLike {
    e(x: unknown): unknown;
    toObject(x: unknown): bigint;
    eq(a: unknown, b: unknown): boolean;
  }
  interface PoseidonFn {
    (inputs: bigint[]): unknown;
    F: FieldLike;
  }
  export function buildPoseidon(): Promise<PoseidonFn>;
  interface BabyJub {
    F: FieldLike;
    inCurve(p: unknown[]): boolean;
    mulPointEscalar(p: unknown[], e: bigint): unknown[];
    subOrder: bigint;
  }
  interface Eddsa {
    babyJub: BabyJub;
    prv2pub(prv: Uint8Array): unknown[];
    signPoseidon(prv: Uint8Array, msg: unknown): { R8: unknown[]; S: bigint };
    verifyPoseidon(msg: unknown, sig: { R8: unknown[]; S: bigint }, A: unknown[]): boolean;
  }
  export function buildEddsa(): Promise<Eddsa>;
  export function buildBabyjub(): Promise<BabyJub & { Base8: unknown[] }>;
}

declare module 'snarkjs' {
  export const groth16: {
    prove(
      zkey: unknown,
      wtns: unknown,
      logger?: unknown,
    ): Promise<{ proof: unknown; publicSignals: string[] }>;
    verify(
      vk: unknown,
      publicSignals: string[],
      proof: unknown,
      logger?: unknown,
    ): Promise<boolean>;
    fullProve(
      input: unknown,
      wasm: string,
      zkey: string,
    ): Promise<{ proof: unknown; publicSignals: string[] }>;
    exportSolidityCallData(proof: unknown, publicSignals: string[]): Promise<string>;
  };
  export const zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: unknown): Promise<unknown>;
    beacon(
      zkeyIn: string,
      zkeyOut: string,
      name: string,
      beaconHash: string,
      numIterationsExp: number,
      logger?: unknown,
    ): Promise<unknown>;
    exportVerificationKey(
      zkey: string | unknown,
      logger?: unknown,
    ): Promise<Record<string, unknown>>;
    exportSolidityVerifier(
      zkey: string,
      templates: Record<string, string>,
      logger?: unknown,
    ): Promise<string>;
    verifyFromR1cs(r1cs: string, ptau: string, zkey: string, logger?: unknown): Promise<boolean>;
  };
  export const r1cs: {
    info(
      r1cs: string,
      logger?: unknown,
    ): Promise<{
      nConstraints: number;
      nOutputs: number;
      nPubInputs: number;
      nPrvInputs: number;
      nVars: number;
    }>;
  };
  export const wtns: {
    calculate(input: unknown, wasmFile: string, wtns: unknown): Promise<void>;
  };
  export const powersOfTau: {
    verify(ptau: string, logger?: unknown): Promise<boolean>;
  };
}

declare module 'circom_runtime' {
  export interface WitnessCalculator {
    calculateWTNSBin(input: Record<string, unknown>, sanityCheck?: boolean): Promise<Uint8Array>;
    calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]>;
  }
  export function WitnessCalculatorBuilder(
    code: Uint8Array,
    options?: Record<string, unknown>,
  ): Promise<WitnessCalculator>;
}

declare module 'r1csfile' {
  export function readR1cs(
    file: string | { type: 'mem'; data: Uint8Array },
    options?: {
      loadConstraints?: boolean;
      loadMap?: boolean;
      singleThread?: boolean;
      logger?: unknown;
    },
  ): Promise<{
    nVars: number;
    nOutputs: number;
    nPubInputs: number;
    nPrvInputs: number;
    nConstraints: number;
    constraints: Array<[Record<string, bigint>, Record<string, bigint>, Record<string, bigint>]>;
    curve: { terminate(): Promise<void> };
  }>;
}
