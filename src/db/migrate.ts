import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely/migration';
import { REQUIRED_HOST_TABLES } from './host-tables.ts';

export const SERVICE_SCHEMA = 'mcp_archiver';
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Raised when the database is not one the service can migrate; the message says what to do. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/** Loads `migrations/NNNN_name.ts` files in name order. */
class FolderMigrationProvider implements MigrationProvider {
  readonly #dir: string;
  constructor(dir: string) {
    this.#dir = dir;
  }

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await fs.readdir(this.#dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.(ts|js)$/.test(f)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const mod = (await import(pathToFileURL(path.join(this.#dir, file)).href)) as Migration;
      migrations[file.replace(/\.(ts|js)$/, '')] = mod;
    }
    return migrations;
  }
}

function migrator(db: Kysely<unknown>): Migrator {
  return new Migrator({
    db,
    provider: new FolderMigrationProvider(MIGRATIONS_DIR),
    // Our own ledger in our own schema: never the app's drizzle ledger, never clashing with its numbering.
    migrationTableSchema: SERVICE_SCHEMA,
    migrationTableName: 'migration',
    migrationLockTableName: 'migration_lock',
  });
}

export async function missingHostTables(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ name: string; found: string | null }>`
    SELECT name, to_regclass(format('public.%I', name))::text AS found
    FROM unnest(${sql.val([...REQUIRED_HOST_TABLES])}::text[]) AS name`.execute(db);
  return rows.filter((r) => r.found === null).map((r) => r.name);
}

/** Applies every pending migration. Idempotent: a second run applies nothing. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<MigrationResultSet> {
  const missing = await missingHostTables(db);
  if (missing.length > 0) {
    throw new MigrationError(
      `the better-chatbot tables are missing from this database (${missing.map((m) => `"${m}"`).join(', ')}): ` +
        'install and migrate the host app first, or run `chat-archiver demo seed` to create a demo schema',
    );
  }
  const result = await migrator(db).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new MigrationError(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`);
  }
  return result;
}

export interface MigrationStatus {
  name: string;
  executedAt: Date | null;
}

export async function migrationStatus(db: Kysely<unknown>): Promise<MigrationStatus[]> {
  const all = await migrator(db).getMigrations();
  return all.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
}
