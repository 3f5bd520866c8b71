/**
 * Column helpers the services' tables share (TypeORM `EntitySchema` + portable migrations).
 * Times and counters are BIGINT columns holding numbers < 2^53: PostgreSQL hands BIGINT back as
 * a string, so the entity columns convert with `Number` — and keep NULL as null (a bare
 * `Number` transformer would turn a NULL into 0).
 */
import type { TableColumnOptions } from 'typeorm';

const toNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** An entity column for a BIGINT read back as a number. */
export const bigintColumn = {
  type: 'bigint' as const,
  transformer: { to: (v: unknown) => v, from: toNumber },
};

/** The same, nullable. */
export const nullableBigintColumn = { ...bigintColumn, nullable: true };

/** Migration columns (`new Table({ columns: [...] })`). */
export const ddl = {
  text: (name: string, length = 80): TableColumnOptions => ({
    name,
    type: 'varchar',
    length: String(length),
  }),
  bigint: (name: string, isNullable = false): TableColumnOptions => ({
    name,
    type: 'bigint',
    isNullable,
  }),
};
