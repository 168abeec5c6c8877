import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import { createDb } from '../db/connect.ts';
import { openDatabaseTarget } from '../db/database-target.ts';
import type { Database } from '../db/database.ts';
import { appendAuditRow } from '../sql/audit.ts';
import { issueAccessToken, listAccessTokens, revokeAccessToken, UnknownUserError, type AccessTokenInfo } from '../mcp/access-tokens.ts';
import { CliError, UsageError, type Command } from './command.ts';
import { durationOption, parseOptions, uuidArgument, uuidOption } from './parse-options.ts';
import { dispatch, noArguments, type Subcommand } from './subcommands.ts';

export const tokenCommand: Command = {
  name: 'token',
  summary: 'bearer tokens for the MCP server over HTTP: token create|list|revoke',
  usage: [
    'Usage: chat-archiver token create --user <uuid> [--admin] [--name TEXT] [--expires-in 30d] [--json]',
    '       chat-archiver token list [--user <uuid>] [--json]',
    '       chat-archiver token revoke <token-id>',
    '',
    'create prints the token once: only its SHA-256 is stored. --expires-in takes seconds (s), minutes (m), hours (h),',
    'days (d), weeks (w) or years (y); without it the token lasts until revoked. --admin lets the token name other users in',
    'the tools that take a userId. Runs as the database owner (DATABASE_URL).',
  ].join('\n'),
  async run(args, { config, stdout, stderr }) {
    const { values, positionals } = parseOptions(
      args,
      { user: { type: 'string' }, admin: { type: 'boolean' }, name: { type: 'string' }, 'expires-in': { type: 'string' }, json: { type: 'boolean' } },
      true,
    );
    if (values.user !== undefined) uuidOption(values.user, '--user');
    // Each subcommand checks its arguments, then returns the work to do on the database.
    const subcommands: Record<string, Subcommand> = {
      create: async (rest) => {
        noArguments(rest);
        if (!values.user) throw new UsageError('token create needs --user <uuid>');
        const name = (values.name ?? '').trim();
        if (name.length > 200) throw new UsageError('--name must be at most 200 characters');
        const expiresAt = values['expires-in'] === undefined ? null : new Date(Date.now() + durationOption(values['expires-in'], '--expires-in'));
        const userId = values.user;
        return withOwnerDb(config(), async (db) => {
          const { token, info } = await issueAccessToken(db, { userId, name, admin: values.admin ?? false, expiresAt }).catch((error: unknown) => {
            throw error instanceof UnknownUserError ? new CliError(error.message) : error;
          });
          await auditCli(db, 'token.create', info);
          if (values.json) {
            stdout.write(`${JSON.stringify({ ...serialise(info), token })}\n`);
          } else {
            stdout.write(`${token}\n`);
            stderr.write(
              `token ${info.id} for user ${info.userId}${info.admin ? ' (admin)' : ''}, ` +
                `${info.expiresAt ? `expires ${info.expiresAt.toISOString()}` : 'no expiry'}.\n` +
                'Store it now: it is shown only once. Clients send it as "Authorization: Bearer <token>".\n',
            );
          }
          return 0;
        });
      },
      list: async (rest) => {
        noArguments(rest);
        return withOwnerDb(config(), async (db) => {
          const tokens = await listAccessTokens(db, values.user ? { userId: values.user } : {});
          if (values.json) stdout.write(`${JSON.stringify(tokens.map(serialise))}\n`);
          else if (tokens.length === 0) stdout.write('no tokens\n');
          else for (const t of tokens) stdout.write(`${describe(t)}\n`);
          return 0;
        });
      },
      revoke: async (rest) => {
        const [id] = rest;
        if (rest.length !== 1 || !id) throw new UsageError('token revoke takes one token id (uuid)');
        uuidArgument(id, 'a token id');
        return withOwnerDb(config(), async (db) => {
          const info = await revokeAccessToken(db, id);
          if (!info) throw new CliError(`no token with id ${id}`);
          await auditCli(db, 'token.revoke', info);
          stdout.write(`revoked token ${info.id} (user ${info.userId}) at ${info.revokedAt?.toISOString()}\n`);
          return 0;
        });
      },
    };
    return dispatch(subcommands, positionals);
  },
};

/** Runs `work` on a connection of the database owner (DATABASE_URL), as the usage says. */
async function withOwnerDb(config: Config, work: (db: Kysely<Database>) => Promise<number>): Promise<number> {
  const target = await openDatabaseTarget(config, { mode: 'attach' });
  const db = createDb(target.ownerUrl, { max: 1, applicationName: 'chat-archiver:token' });
  try {
    return await work(db);
  } finally {
    await db.destroy();
    await target.close();
  }
}

function status(t: AccessTokenInfo): string {
  if (t.revokedAt) return 'revoked';
  if (t.expiresAt && t.expiresAt.getTime() <= Date.now()) return 'expired';
  return 'active';
}

function describe(t: AccessTokenInfo): string {
  return [
    t.id,
    `user=${t.userId}`,
    status(t),
    t.admin ? 'admin' : 'user',
    `created=${t.createdAt.toISOString()}`,
    `expires=${t.expiresAt?.toISOString() ?? 'never'}`,
    `last-used=${t.lastUsedAt?.toISOString() ?? 'never'}`,
    ...(t.name ? [`name=${JSON.stringify(t.name)}`] : []),
  ].join('  ');
}

function serialise(t: AccessTokenInfo) {
  return {
    id: t.id,
    userId: t.userId,
    name: t.name,
    admin: t.admin,
    status: status(t),
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  };
}

async function auditCli(db: Kysely<Database>, operation: string, token: AccessTokenInfo): Promise<void> {
  await appendAuditRow(db, {
      operation,
      user_id: token.userId,
      token_id: token.id,
      transport: 'cli',
      outcome: 'ok',
      duration_ms: 0,
    detail: JSON.stringify({ admin: token.admin }),
  });
}
