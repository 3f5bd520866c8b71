/**
 * The shared table helpers on SQLite and PostgreSQL: a `createTablesMigration` creates its tables
 * and indices and its `down` drops exactly those, and BIGINT columns read back as numbers with
 * NULL kept null.
 */
import { EntitySchema } from 'typeorm';
import { databaseEngines } from '../test/helpers/databases.js';
import { bigintColumn, createTablesMigration, ddl, nullableBigintColumn } from './index.js';

interface Row {
  id: string;
  at: number;
  until: number | null;
}
const Entity = new EntitySchema<Row>({
  name: 'SchemaTestRow',
  tableName: 'schema_test_row',
  columns: {
    id: { type: 'varchar', length: 10, primary: true },
    at: { ...bigintColumn },
    until: { ...nullableBigintColumn },
  },
});
const Migration = createTablesMigration('CreateSchemaTest1764700000000', () => [
  {
    name: 'schema_test_row',
    columns: [
      { ...ddl.text('id', 10), isPrimary: true },
      ddl.bigint('at'),
      ddl.bigint('until', true),
    ],
    indices: [{ name: 'schema_test_row_at', columnNames: ['at'] }],
  },
  { name: 'schema_test_other', columns: [{ ...ddl.text('id'), isPrimary: true }] },
]);

const engines = databaseEngines({ entities: [Entity], migrations: [Migration] });

describe.each(engines.list)('table helpers on %s', (engine) => {
  it('creates the tables and indices, and down drops exactly those', async () => {
    const ds = await engines.open(engine);
    const q = ds.createQueryRunner();
    try {
      expect(await q.hasTable('schema_test_row')).toBe(true);
      expect(await q.hasTable('schema_test_other')).toBe(true);
      const table = await q.getTable('schema_test_row');
      expect(table?.indices.map((i) => i.name)).toContain('schema_test_row_at');
      await ds.undoLastMigration();
      expect(await q.hasTable('schema_test_row')).toBe(false);
      expect(await q.hasTable('schema_test_other')).toBe(false);
      expect(await q.hasTable('identifier')).toBe(true); // Veramo's tables are untouched
    } finally {
      await q.release();
    }
  });

  it('reads BIGINT back as a number and keeps NULL null', async () => {
    const ds = await engines.open(engine);
    const repo = ds.getRepository(Entity);
    await repo.insert({ id: 'a', at: 2 ** 40 + 7, until: null });
    expect(await repo.findOneByOrFail({ id: 'a' })).toEqual({
      id: 'a',
      at: 2 ** 40 + 7,
      until: null,
    });
  });
});
