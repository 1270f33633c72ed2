import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { migrateDatabase } from '../shared/db/index.js';
import { freePort } from '../shared/testing/free-port.js';

const run = promisify(execFile);

/** A PostgreSQL server of a test's own, in a temporary directory, that the test may break freely. */
export interface ThrowawayPostgres {
  readonly port: number;
  /** Owner URL of the `postgres` database. */
  readonly adminUrl: string;
  /** Creates and migrates a database; returns its owner URL. */
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl stop -m <mode>`: `immediate` is a crash (no checkpoint, clients cut at once). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** `pg_ctl start`, waiting until it accepts connections (crash recovery included). */
  start(): Promise<void>;
  /** Stops it and deletes its directory. */
  destroy(): Promise<void>;
}

function findBinaries(): string {
  const pathDirs = (process.env.PATH ?? '').split(':');
  for (const dir of pathDirs)
    if (existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'initdb'))) return dir;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const version of readdirSync(root).sort().reverse()) {
      const dir = join(root, version, 'bin');
      if (existsSync(join(dir, 'pg_ctl'))) return dir;
    }
  }
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or under /usr/lib/postgresql',
  );
}

/**
 * initdb into a temporary directory and start it on a free loopback port with trust authentication.
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user (runuser).
 * `fsync=off` keeps it quick: a `stop -m immediate` kills the server, not the machine, so what the
 * server wrote survives in the page cache and crash recovery still runs.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = findBinaries();
  const root = await mkdtemp(join(tmpdir(), 'fault-pg-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(root, Number(stdout.trim()), Number(gid.trim()));
  }
  const pgRun = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  const port = await freePort();
  await pgRun('initdb', [
    '-D',
    dataDir,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  await appendFile(
    join(dataDir, 'postgresql.conf'),
    [
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = '${root}'`,
      'fsync = off',
      'full_page_writes = off',
      'max_connections = 300',
      'shared_buffers = 32MB',
      "log_min_messages = 'warning'",
      '',
    ].join('\n'),
  );
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let running = false;
  const server: ThrowawayPostgres = {
    port,
    adminUrl,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      const url = `postgres://postgres@127.0.0.1:${port}/${name}`;
      await migrateDatabase({ url, dataDir: '.data' });
      return url;
    },
    async stop(mode = 'fast') {
      await pgRun('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
      running = false;
    },
    async start() {
      await pgRun('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
      running = true;
    },
    async destroy() {
      if (running) await server.stop('immediate').catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
