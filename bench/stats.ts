/** Small statistics helpers for the benchmarks. */
export interface Summary {
  p50: number;
  min: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const p50 = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { p50: round(p50), min: round(s[0]!), max: round(s[s.length - 1]!) };
}

export function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!);
}

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Runs `a` and `b` alternately (A B A B …) and returns their timings in ms. */
export async function interleave(
  n: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    await a();
    out.a.push(performance.now() - t);
    t = performance.now();
    await b();
    out.b.push(performance.now() - t);
  }
  return out;
}
