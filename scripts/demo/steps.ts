/**
 * The demo's step runner: each step is one printed line, `✓ <step>: <what held>` or
 * `✗ <step>: expected …, got …`; a failed step does not stop the ones after it; the summary line
 * and the exit code (0 iff every step held) come at the end.
 *
 * A step's body returns what it observed (one phrase) when every expectation held, and calls
 * `expectThat` (or throws `ExpectationFailed`) when one did not. Any other error thrown by a body
 * is a failed step too, shown as `got <code>: <message>` — never a stack trace.
 */

/** An expectation that did not hold: what was expected, and what was observed instead. */
export class ExpectationFailed extends Error {
  constructor(
    readonly expected: string,
    readonly got: string,
  ) {
    super(`expected ${expected}, got ${got}`);
    this.name = 'ExpectationFailed';
  }
}

/** Throws `ExpectationFailed(expected, got)` unless `holds`. */
export function expectThat(holds: boolean, expected: string, got: string): asserts holds {
  if (!holds) throw new ExpectationFailed(expected, got);
}

/** An error as `code: message` (the project's errors carry a stable code), on one line. */
export function describeError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  const line = typeof code === 'string' ? `${code}: ${message}` : message;
  return line.replace(/\s*\n\s*/g, ' ');
}

export interface StepOutcome {
  name: string;
  ok: boolean;
  line: string;
}

export class StepRunner {
  readonly outcomes: StepOutcome[] = [];

  constructor(private readonly write: (line: string) => void) {}

  /**
   * Runs `body` as the step `name` and prints its line; resolves to what it returned, or
   * `undefined` when it failed (later steps that need it then fail on their own, with a line).
   */
  async step<T extends { observed: string }>(
    name: string,
    body: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      const result = await body();
      this.record(name, true, `✓ ${name}: ${result.observed}`);
      return result;
    } catch (e) {
      const why =
        e instanceof ExpectationFailed
          ? `expected ${e.expected}, got ${e.got}`
          : `expected the step to run, got ${describeError(e)}`;
      this.record(name, false, `✗ ${name}: ${why}`);
      return undefined;
    }
  }

  private record(name: string, ok: boolean, line: string): void {
    this.outcomes.push({ name, ok, line });
    this.write(line);
  }

  get failed(): number {
    return this.outcomes.filter((o) => !o.ok).length;
  }

  /** The closing line: how many steps held, and how many failed. */
  summary(): string {
    const passed = this.outcomes.length - this.failed;
    return this.failed === 0
      ? `demo: all ${passed} steps held`
      : `demo: ${this.failed} of ${this.outcomes.length} steps failed`;
  }

  /** 0 iff at least one step ran and every step held. */
  exitCode(): 0 | 1 {
    return this.outcomes.length > 0 && this.failed === 0 ? 0 : 1;
  }
}
