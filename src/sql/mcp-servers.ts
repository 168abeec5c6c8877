import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';

/** The user's oldest MCP server row of the given name (the app's registration of this service), or undefined. */
export async function mcpServerIdByName(db: Kysely<Database>, userId: string, name: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('mcp_server')
    .select('id')
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst();
  return row?.id;
}
