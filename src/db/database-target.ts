import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { serviceRoleUrl } from './connect.ts';
import { embeddedDataDir, securePrivateDirs } from './embedded-data-dir.ts';
import { EmbeddedPostgresError, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';

/** Where the service's database is: the one named by DATABASE_URL, or the embedded default. */
export interface DatabaseTarget {
  ownerUrl: string;
  serviceUrl: string;
  /** Set when this process started the embedded server (and so must stop it). */
  embedded?: EmbeddedPostgres;
  /** True for the embedded default database, started here or by another process. */
  isEmbeddedDefault: boolean;
  /** The embedded default's generated download-link key (EXPORT_LINK_SECRET wins over it). */
  linkSecret?: string;
  /** Human-readable location, without credentials. */
  description: string;
  close(): Promise<void>;
}

export interface OpenTargetOptions {
  /**
   * `own`: start the embedded server and fail if another process already runs it (the `start` command).
   * `attach`: reuse the embedded server another process started, else start one for this command's duration.
   */
  mode: 'own' | 'attach';
}

export async function openDatabaseTarget(config: Config, { mode }: OpenTargetOptions): Promise<DatabaseTarget> {
  if (config.databaseUrl) {
    const ownerUrl = config.databaseUrl;
    return {
      ownerUrl,
      // Computed on use: owner-only commands (demo seed, token create) need no service password.
      get serviceUrl() {
        return serviceRoleUrl(config, ownerUrl);
      },
      isEmbeddedDefault: false,
      description: describeUrl(ownerUrl),
      close: async () => {},
    };
  }
  const dataDir = embeddedDataDir(config);
  if (mode === 'attach') {
    const running = runningEmbedded(dataDir);
    if (running) {
      return {
        ownerUrl: running.ownerUrl,
        serviceUrl: serviceRoleUrl(config, running.ownerUrl, running.servicePassword),
        ...(running.linkSecret ? { linkSecret: running.linkSecret } : {}),
        isEmbeddedDefault: true,
        description: `embedded PostgreSQL at 127.0.0.1:${running.port} (data in ${dataDir}, started by another process)`,
        close: async () => {},
      };
    }
  }
  securePrivateDirs(config, dataDir);
  const embedded = await startEmbeddedPostgres({ dataDir, port: config.embedded.port, logFile: path.join(config.dataDir, 'postgres.log') });
  return {
    ownerUrl: embedded.url,
    serviceUrl: serviceRoleUrl(config, embedded.url, embedded.servicePassword),
    embedded,
    linkSecret: embedded.linkSecret,
    isEmbeddedDefault: true,
    description: `embedded PostgreSQL at 127.0.0.1:${embedded.port} (data in ${dataDir})`,
    close: () => embedded.stop(),
  };
}

function runningEmbedded(dataDir: string): { ownerUrl: string; port: number; servicePassword: string; linkSecret?: string } | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  let credentials: { superuserPassword?: unknown; servicePassword?: unknown; linkSecret?: unknown };
  try {
    credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'chat-archiver-credentials.json'), 'utf8')) as typeof credentials;
  } catch {
    throw new EmbeddedPostgresError(`the PostgreSQL running on ${dataDir} was not started by chat-archiver: set DATABASE_URL to use it`);
  }
  if (typeof credentials.superuserPassword !== 'string' || typeof credentials.servicePassword !== 'string' || !Number.isInteger(port)) {
    return undefined;
  }
  return {
    ownerUrl: `postgres://postgres:${encodeURIComponent(credentials.superuserPassword)}@127.0.0.1:${port}/postgres`,
    port,
    servicePassword: credentials.servicePassword,
    ...(typeof credentials.linkSecret === 'string' ? { linkSecret: credentials.linkSecret } : {}),
  };
}

export function describeUrl(url: string): string {
  const u = new URL(url);
  return `PostgreSQL at ${u.hostname}:${u.port || '5432'}/${decodeURIComponent(u.pathname.slice(1)) || 'postgres'} as ${decodeURIComponent(u.username)}`;
}
