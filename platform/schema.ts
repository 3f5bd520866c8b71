/**
 * Column helpers the services' tables share (TypeORM `EntitySchema` + portable migrations).
 * Times and counters are BIGINT columns holding numbers < 2^53: PostgreSQL hands BIGINT back as
 * a string, so the entity columns convert with `Number` — and keep NULL as null (a bare
 * `Number` transformer would turn a NULL into 0).
 */
import {
  Table,
  type MigrationInterface,
  type QueryRunner,
  type TableColumnOptions,
  type TableOptions,
} from 'typeorm';

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

/**
 * A migration that creates `tables` (with their indices) in order, and drops them in reverse on
 * `down`: one list, so the two directions cannot drift apart. `name` must end in a 13-digit
 * timestamp (TypeORM orders migrations by it). The tables are built afresh for each run.
 */
export function createTablesMigration(
  name: string,
  tables: () => TableOptions[],
): new () => MigrationInterface {
  return class implements MigrationInterface {
    name = name;

    async up(q: QueryRunner): Promise<void> {
      for (const options of tables()) await q.createTable(new Table(options), true);
    }

    async down(q: QueryRunner): Promise<void> {
      for (const options of tables().reverse()) await q.dropTable(options.name, true);
    }
  };
}
