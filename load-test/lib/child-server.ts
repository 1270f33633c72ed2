import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { readProcessCpu } from './proc-stat.js';

/** A server role running as a child process (`node <entry>.js`, or `node --import tsx <entry>.ts`). */
export interface ChildServer {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** Everything it wrote to stdout and stderr (last 64 KiB), for diagnostics. */
  output(): string;
  /** Resolves when it has exited: code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Peak resident set size so far (`VmHWM`, KiB); undefined once it has exited. */
  peakRssKib(): Promise<number | undefined>;
  /**
   * CPU time it has used so far (user + system, ms; clock-tick resolution); undefined once it has
   * exited. Less sensitive than throughput to other work on the machine.
   */
  cpuTimeMs(): Promise<number | undefined>;
  /** Sends `signal` (default SIGTERM) and waits for the exit, escalating to SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface StartChildServerOptions {
  readonly name: string;
  /** Entry file: compiled JavaScript (`dist/...js`) runs as it is, TypeScript through tsx. */
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
  readonly baseUrl: string;
  /** Pin to these CPUs with `taskset -c` when taskset exists (e.g. `'1'`). */
  readonly cpus?: string | undefined;
  /** Path polled until it answers 200 (default `/ready`); `null` returns as soon as it spawned. */
  readonly readyPath?: string | null;
  readonly readyTimeoutMs?: number;
}

/**
 * Children still running. Whatever way this process ends (a crash, an EPIPE on stdout, an exit
 * before a `finally` ran), they are killed with it rather than left running against a database
 * that is about to be dropped.
 */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

let tasksetAvailable: boolean | undefined;

/** True when `taskset` can pin processes here. */
export function hasTaskset(): boolean {
  tasksetAvailable ??= spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return tasksetAvailable;
}

/** Pins this process to `cpus` (e.g. the load generator to CPU 0). Returns false when it could not. */
export function pinSelf(cpus: string): boolean {
  if (!hasTaskset()) return false;
  return spawnSync('taskset', ['-a', '-cp', cpus, String(process.pid)]).status === 0;
}

/**
 * Starts a server role as a child process and waits until `readyPath` answers 200. Only loopback
 * URLs are polled. A child that exits first fails the start with its output.
 */
export async function startChildServer(options: StartChildServerOptions): Promise<ChildServer> {
  const nodeArgs = options.entry.endsWith('.ts') ? ['--import', 'tsx', options.entry] : [options.entry];
  const pinned = options.cpus !== undefined && hasTaskset();
  const child = pinned
    ? spawn('taskset', ['-c', options.cpus!, process.execPath, ...nodeArgs], {
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, nodeArgs, {
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  live.add(child);
  void exited.then(() => {
    hasExited = true;
    live.delete(child);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name}: could not spawn ${options.entry}`);

  const server: ChildServer = {
    name: options.name,
    pid,
    process: child,
    baseUrl: options.baseUrl,
    output: () => output,
    exited,
    async peakRssKib() {
      if (hasExited) return undefined;
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      const match = /VmHWM:\s+(\d+) kB/.exec(status);
      return match ? Number(match[1]) : undefined;
    },
    async cpuTimeMs() {
      if (hasExited) return undefined;
      return (await readProcessCpu(pid))?.cpuMs;
    },
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (hasExited) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  if (options.readyPath === null) return server;
  const readyUrl = new URL(options.readyPath ?? '/ready', options.baseUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(readyUrl.hostname)) {
    await server.stop('SIGKILL');
    throw new Error(`${options.name}: refusing to poll a non-loopback URL ${readyUrl.href}`);
  }
  const deadline = performance.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (hasExited) throw new Error(`${options.name} exited during start-up:\n${output}`);
    const ok = await fetch(readyUrl)
      .then((response) => response.status === 200)
      .catch(() => false);
    if (ok) return server;
    if (performance.now() > deadline) {
      await server.stop('SIGKILL');
      throw new Error(`${options.name} not ready within ${options.readyTimeoutMs ?? 30_000} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
