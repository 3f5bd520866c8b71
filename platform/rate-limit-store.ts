/**
 * A rate-limit store in the service's database (express-rate-limit `Store`), so that several API
 * nodes on one PostgreSQL share their counts (SECURITY-CASES A07: "shared store across
 * replicas"); SQLite works too. Fixed windows: one row per (key, window start), incremented with
 * one atomic `INSERT … ON CONFLICT DO UPDATE … RETURNING`; rows of past windows are deleted now and
 * then.
 *
 * Keys are never stored as given: a client IP address is personal data. Each key is stored as
 * HMAC-SHA256(secret, key), the secret shared by the nodes (derived from the service's KMS
 * secret), so the table holds no address and an address cannot be found by hashing guesses
 * without the secret. A database failure is `database_unavailable` (503), never a silent pass.
 */
import { createHmac } from 'node:crypto';
import type { Options, Store, IncrementResponse } from 'express-rate-limit';
import type { DataSource } from 'typeorm';
import { PlatformError } from './errors.js';

const TABLE = 'zkrep_rate_limit';

export class DatabaseRateLimitStore implements Store {
  /** Counts are shared: express-rate-limit must not assume they are local. */
  readonly localKeys = false;
  readonly prefix: string;
  private windowMs = 60_000;
  private ready: Promise<void> | undefined;
  private calls = 0;
  private readonly now: () => number;

  constructor(
    private readonly ds: DataSource,
    private readonly secret: string,
    options: { prefix?: string; now?: () => number } = {},
  ) {
    if (typeof secret !== 'string' || secret.length < 16) {
      throw new PlatformError('config_invalid', 'the rate-limit store needs a secret');
    }
    this.prefix = options.prefix ?? 'rl:';
    this.now = options.now ?? Date.now;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  private get postgres(): boolean {
    return this.ds.options.type === 'postgres';
  }

  private sql(text: string): string {
    if (!this.postgres) return text;
    let i = 0;
    return text.replace(/\?/g, () => `$${++i}`);
  }

  private async table(): Promise<void> {
    this.ready ??= this.ds
      .query(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (key_hash varchar(64) NOT NULL, window_start bigint NOT NULL, hits integer NOT NULL, PRIMARY KEY (key_hash, window_start))`,
      )
      .then(() => undefined);
    return this.ready;
  }

  private hash(key: string): string {
    return createHmac('sha256', this.secret).update(`${this.prefix}${key}`).digest('hex');
  }

  private windowStart(): number {
    return Math.floor(this.now() / this.windowMs) * this.windowMs;
  }

  private async run<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      await this.table();
      return await f();
    } catch (cause) {
      throw new PlatformError('database_unavailable', `the rate-limit store cannot ${what}`, {
        cause,
      });
    }
  }

  async increment(key: string): Promise<IncrementResponse> {
    const start = this.windowStart();
    const rows = (await this.run('count', () =>
      this.ds.query(
        this.sql(
          `INSERT INTO ${TABLE} (key_hash, window_start, hits) VALUES (?, ?, 1) ON CONFLICT (key_hash, window_start) DO UPDATE SET hits = ${TABLE}.hits + 1 RETURNING hits`,
        ),
        [this.hash(key), start],
      ),
    )) as { hits: number | string }[];
    // Now and then, forget the windows that are over.
    if (++this.calls % 100 === 0) {
      await this.run('clean up', () =>
        this.ds.query(this.sql(`DELETE FROM ${TABLE} WHERE window_start < ?`), [start]),
      ).catch(() => undefined);
    }
    return { totalHits: Number(rows[0]?.hits ?? 1), resetTime: new Date(start + this.windowMs) };
  }

  async decrement(key: string): Promise<void> {
    await this.run('count', () =>
      this.ds.query(
        this.sql(
          `UPDATE ${TABLE} SET hits = hits - 1 WHERE key_hash = ? AND window_start = ? AND hits > 0`,
        ),
        [this.hash(key), this.windowStart()],
      ),
    );
  }

  async resetKey(key: string): Promise<void> {
    await this.run('reset', () =>
      this.ds.query(this.sql(`DELETE FROM ${TABLE} WHERE key_hash = ?`), [this.hash(key)]),
    );
  }
}
