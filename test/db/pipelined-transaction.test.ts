import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/connect.ts';
import { pipelinedTransaction } from '../../src/db/pipelined-transaction.ts';
import { closeAll } from '../support/close-all.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

describe('pipelinedTransaction', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    pool = createPool(db.ownerUrl, { max: 1, pipeline: true });
    await pool.query('CREATE TABLE note (n integer PRIMARY KEY)');
  });
  afterAll(() => closeAll({ close: () => pool.end() }, db));

  const notes = async () => (await pool.query<{ n: number }>('SELECT n FROM note ORDER BY n')).rows.map((r) => r.n);

  it('commits every statement of the batch and hands back their answers', async () => {
    const value = await pipelinedTransaction(pool, async (submit) => {
      const first = submit('INSERT INTO note VALUES ($1) RETURNING n', [1]);
      await Promise.resolve();
      const second = submit('INSERT INTO note VALUES ($1) RETURNING n', [2]);
      return { first, second };
    });
    expect((await value.first).rows).toEqual([{ n: 1 }]);
    expect((await value.second).rows).toEqual([{ n: 2 }]);
    expect(await notes()).toEqual([1, 2]);
  });

  it('rolls the whole batch back when one statement fails, with that failure, and the connection stays usable', async () => {
    const failure = pipelinedTransaction(pool, async (submit) => {
      void submit('INSERT INTO note VALUES ($1)', [3]);
      void submit('INSERT INTO note VALUES ($1)', [1]); // duplicate key
      void submit('INSERT INTO note VALUES ($1)', [4]);
    });
    await expect(failure).rejects.toMatchObject({ code: '23505' });
    expect(await notes()).toEqual([1, 2]);
  });

  it('rolls back what was sent when the batch cannot be completed', async () => {
    const failure = pipelinedTransaction(pool, async (submit) => {
      void submit('INSERT INTO note VALUES ($1)', [5]);
      throw new Error('no second statement');
    });
    await expect(failure).rejects.toThrow('no second statement');
    expect(await notes()).toEqual([1, 2]);
  });

  it('refuses a pool whose connections are not pipelined', async () => {
    const plain = createPool(db.ownerUrl, { max: 1 });
    try {
      await expect(pipelinedTransaction(plain, async () => {})).rejects.toThrow(/pipeline: true/);
    } finally {
      await plain.end();
    }
  });
});
