// Loads a TypeScript entry point through tsx, so the CLIs run from a checkout without a build step.
import { register } from 'tsx/esm/api';

register();

/** Imports `../src/<name>` relative to this folder. */
export async function runTs(name) {
  await import(new URL(`../src/${name}`, import.meta.url).href);
}
