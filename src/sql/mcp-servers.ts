import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';

/**
 * The user's MCP server row of the given name (the app's registration of this service), or undefined. Several
 * rows of one name pick the lowest id: the service may read only id, user_id and name of mcp_server.
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
