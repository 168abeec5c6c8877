import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { runCli } from './support/run-cli.ts';

describe('configuration', () => {
  it('has working defaults with no environment at all', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.serviceRole.user).toBe('mcp_service_user');
    expect(config.mcp).toMatchObject({ serverName: 'database-assistant', enabled: true, host: '127.0.0.1', port: 8787 });
    expect(config.embedded.dataDir).toBe('/srv/app/.data/postgres');
    expect(config.exportDir).toBe('/srv/app/.data/exports');
    expect(config.tokenEncoding).toBe('o200k_base');
    expect(config.patterns).toEqual({ cron: '0 3 * * *', timeZone: 'UTC' });
  });

  it('reads the seed\'s variables', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://owner:pw@db.internal:5433/chat',
      MCP_DB_HOST: 'replica.internal',
      MCP_DB_PORT: '6432',
      MCP_DB_NAME: 'chat',
      MCP_DB_USER: 'archiver',
      MCP_DB_PASSWORD: 'a-long-enough-password',
      MCP_DB_SSL: 'true',
      MCP_SERVER_NAME: 'archive-bot',
      MCP_SERVER_ENABLED: 'false',
      EXPORT_DIR: '/var/exports',
    });
    expect(config.serviceRole).toEqual({ host: 'replica.internal', port: 6432, database: 'chat', user: 'archiver', password: 'a-long-enough-password', ssl: true });
    expect(config.mcp.serverName).toBe('archive-bot');
    expect(config.mcp.enabled).toBe(false);
    expect(config.exportDir).toBe('/var/exports');
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', MCP_DB_SSL: 'maybe', DATABASE_URL: 'mysql://x', PATTERN_TZ: 'Mars/Olympus', MCP_DB_PASSWORD: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'MCP_DB_SSL', 'DATABASE_URL', 'PATTERN_TZ', 'MCP_DB_PASSWORD']) expect(problems).toContain(name);
    expect(problems).not.toContain('short'); // secrets are never echoed
  });

  it('makes the CLI exit 2 with the message and no stack trace', async () => {
    const result = await runCli(['migrate'], { PORT: '99999', LOG_LEVEL: 'loud' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid configuration');
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).toContain('LOG_LEVEL');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects unknown commands and options with exit 2', async () => {
    expect((await runCli(['frobnicate'], {})).code).toBe(2);
    const bad = await runCli(['demo', 'seed', '--users', 'many'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--users expects a positive whole number');
  });
});
