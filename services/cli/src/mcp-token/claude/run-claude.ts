import { execFile } from 'node:child_process';

export interface ClaudeRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `claude <args>` to completion (60 s at most), without a shell. */
export function runClaude(
  claude: string,
  args: readonly string[],
  options: { env: Readonly<Record<string, string | undefined>>; cwd: string },
): Promise<ClaudeRun> {
  return new Promise((resolve, reject) => {
    execFile(
      claude,
      [...args],
      { env: { ...options.env }, cwd: options.cwd, timeout: 60_000, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : (error as { code?: unknown }).code;
        if (typeof code === 'number') resolve({ code, stdout, stderr });
        else if (error !== null && (error as { killed?: boolean }).killed)
          resolve({ code: 124, stdout, stderr });
        else if (error !== null) reject(error);
        else resolve({ code: 0, stdout, stderr });
      },
    );
  });
}
