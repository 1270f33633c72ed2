/** Where a command reads its environment and writes; tests can pass their own. */
export interface CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void | Promise<void>;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress redraws one line instead of printing many). */
  readonly stderrIsTty: boolean;
}

/** Waits for the kernel buffer when stdout is a slow pipe, so a big export never buffers unbounded. */
function writeStdout(text: string): Promise<void> | undefined {
  if (process.stdout.write(text)) return undefined;
  return new Promise((resolve) => process.stdout.once('drain', () => resolve()));
}

export const processIo: CommandIo = {
  env: process.env,
  stdout: (text) => writeStdout(text),
  stderr: (text) => void process.stderr.write(text),
  stderrIsTty: process.stderr.isTTY === true,
};
