import { freePort } from '../../services/shared/testing/free-port.js';
import { type ChildServer, startChildServer } from './child-server.js';

/** Time from spawning a server process until its `/ready` answers 200, in milliseconds, per run. */
export async function measureColdStart(options: {
  runs: number;
  entry: string;
  env: (port: number) => Readonly<Record<string, string>>;
  cpus?: string | undefined;
}): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const port = await freePort();
    const started = performance.now();
    let server: ChildServer | undefined;
    try {
      server = await startChildServer({
        name: `cold-start-${run}`,
        entry: options.entry,
        env: options.env(port),
        baseUrl: `http://127.0.0.1:${port}`,
        cpus: options.cpus,
        readyTimeoutMs: 60_000,
      });
      times.push(performance.now() - started);
    } finally {
      await server?.stop();
    }
  }
  return times;
}
