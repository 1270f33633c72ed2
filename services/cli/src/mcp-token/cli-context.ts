/** What a command may touch of the outside world; a test passes its own. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Results (what scripts read): JSON headers, status lines. */
  readonly stdout: (text: string) => void;
  /** Progress, prompts and errors. */
  readonly stderr: (text: string) => void;
  readonly now: () => Date;
  readonly cwd: string;
}

/** The context of the running process. */
export function processContext(): CliContext {
  return {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    now: () => new Date(),
    cwd: process.cwd(),
  };
}
