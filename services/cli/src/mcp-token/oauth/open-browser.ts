import { spawn } from 'node:child_process';

/** How to show the user an authorization URL: open it, or only print it. */
export type BrowserChoice =
  | { readonly open: false; readonly why: string }
  | { readonly open: true; readonly command: string };

/**
 * Picks how to open a URL: `$BROWSER` (the first of its colon-separated commands) when set, else
 * `open` on macOS and `xdg-open` on a Linux desktop; nothing with `--no-browser` or without a
 * display. Pure.
 */
export function chooseBrowser(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform,
  noBrowser: boolean,
): BrowserChoice {
  if (noBrowser) return { open: false, why: '--no-browser' };
  const browser = env.BROWSER?.split(':').find((command) => command.trim() !== '');
  if (browser !== undefined) return { open: true, command: browser };
  if (platform === 'darwin') return { open: true, command: 'open' };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return { open: false, why: 'no display' };
  return { open: true, command: 'xdg-open' };
}

/**
 * Starts `command` with the URL as its argument (`%s` in the command is replaced, as with
 * `$BROWSER`), detached. The URL is passed as a positional parameter of `sh -c`, never pasted into
 * the shell text. Resolves false when the command could not be started or failed at once.
 */
export function openBrowser(command: string, url: string): Promise<boolean> {
  const script = command.includes('%s') ? command.replaceAll('%s', '"$1"') : `${command} "$1"`;
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', script, 'mcp-token', url], { detached: true, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
    // A browser that keeps running is fine: stop waiting for it.
    setTimeout(() => resolve(true), 2000).unref();
    child.unref();
  });
}
