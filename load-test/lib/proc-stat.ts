import { readFile } from 'node:fs/promises';

// USER_HZ: 100 on Linux for every architecture Node runs on.
const clockTicksPerSecond = 100;

/** A process's command name and CPU time so far (user + system, ms), from `/proc/<pid>/stat`. */
export interface ProcessCpu {
  readonly command: string;
  readonly cpuMs: number;
}

/** Undefined when the process is gone or /proc is unreadable (not Linux). */
export async function readProcessCpu(pid: number | string): Promise<ProcessCpu | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
  const fields = stat.slice(close + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) return undefined;
  return { command: stat.slice(open + 1, close), cpuMs: (ticks * 1_000) / clockTicksPerSecond };
}
