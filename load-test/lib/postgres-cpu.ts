import { readdir, readFile } from 'node:fs/promises';

// USER_HZ: 100 on Linux for every architecture Node runs on.
const clockTicksPerSecond = 100;

/**
 * CPU time (user + system, ms) used so far by every process of this machine named `postgres*`: the
 * server the bench's database lives on, when it runs here. Undefined where /proc is unreadable
 * (not Linux) or no such process is visible (a remote database).
 */
export async function postgresCpuTimeMs(): Promise<number | undefined> {
  const pids = await readdir('/proc').catch(() => [] as string[]);
  let ticks = 0;
  let found = false;
  await Promise.all(
    pids
      .filter((pid) => /^\d+$/.test(pid))
      .map(async (pid) => {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
        const open = stat.indexOf('(');
        const close = stat.lastIndexOf(')');
        if (open < 0 || !stat.slice(open + 1, close).startsWith('postgres')) return;
        const fields = stat.slice(close + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
        found = true;
      }),
  );
  return found ? (ticks * 1_000) / clockTicksPerSecond : undefined;
}
