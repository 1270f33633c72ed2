import { readdir } from 'node:fs/promises';
import { readProcessCpu } from './proc-stat.js';

/** CPU time (ms) per live `postgres*` process of this machine, by pid. */
export type PostgresCpuSample = ReadonlyMap<number, number>;

/**
 * A sample of what every process of this machine named `postgres*` has used so far: the server the
 * bench's database lives on, when it runs here. Empty where /proc is unreadable (not Linux) or no
 * such process is visible (a remote database).
 */
export async function samplePostgresCpu(): Promise<PostgresCpuSample> {
  const pids = await readdir('/proc').catch(() => [] as string[]);
  const sample = new Map<number, number>();
  await Promise.all(
    pids
      .filter((pid) => /^\d+$/.test(pid))
      .map(async (pid) => {
        const cpu = await readProcessCpu(pid);
        if (cpu?.command.startsWith('postgres')) sample.set(Number(pid), cpu.cpuMs);
      }),
  );
  return sample;
}

/**
 * PostgreSQL CPU time between two samples, ms: for every process alive at `after`, what it used
 * since `before` (all of it when it started since). A backend that exited in between is missed, so
 * this is a lower bound; undefined when no PostgreSQL process was visible.
 */
export function postgresCpuMsBetween(
  before: PostgresCpuSample,
  after: PostgresCpuSample,
): number | undefined {
  if (after.size === 0) return undefined;
  let ms = 0;
  for (const [pid, used] of after) ms += Math.max(0, used - (before.get(pid) ?? 0));
  return ms;
}
