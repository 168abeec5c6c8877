import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

const FOLDER = path.resolve(import.meta.dirname, '../fixtures/better-chatbot-migrations');

/** The app's migration files in the order its journal applies them (their numbered names sort that way). */
export async function betterChatbotMigrationFiles(): Promise<string[]> {
  return (await fs.readdir(FOLDER)).filter((f) => /^\d{4}_[a-z_]+\.sql$/.test(f)).sort();
}

/**
 * Builds the host schema the way better-chatbot's own migrator does: every file in order, split on drizzle's
 * `--> statement-breakpoint`, all in one transaction.
 */
export async function applyBetterChatbotMigrations(url: string): Promise<{ files: number; statements: number }> {
  const files = await betterChatbotMigrationFiles();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let statements = 0;
  try {
    await client.query('BEGIN');
    for (const file of files) {
      const text = await fs.readFile(path.join(FOLDER, file), 'utf8');
      for (const statement of text.split('--> statement-breakpoint').map((s) => s.trim()).filter(Boolean)) {
        try {
          await client.query(statement);
        } catch (error) {
          throw new Error(`${file}: ${(error as Error).message}\n${statement.slice(0, 200)}`, { cause: error });
        }
        statements++;
      }
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
  return { files: files.length, statements };
}
