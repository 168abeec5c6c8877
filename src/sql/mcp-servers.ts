import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';

/**
 * The user's MCP server row of the given name (the app's registration of this service), or undefined. The role may
 * read only id, user_id and name of mcp_server, so of several registrations the one with the lowest id is taken.
 */
export async function mcpServerIdByName(db: Kysely<Database>, userId: string, name: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('mcp_server')
    .select('id')
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .orderBy('id')
    .executeTakeFirst();
  return row?.id;
}
