#!/usr/bin/env node
// `npm run build [-- <outDir> [<tsconfig>]]`: compiles the services to JavaScript in dist/
// (tsconfig.build.json) and puts beside them the two files they read relative to their own location
// (package.json for the version, migrations/ for the schema check), so dist/ runs as it is and is
// what the container image ships. `npm run bench` builds with tsconfig.bench.json, which adds the
// SDK baseline server.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';

const outDir = process.argv[2] ?? 'dist';
const project = process.argv[3] ?? 'tsconfig.build.json';
rmSync(outDir, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  ['node_modules/typescript/bin/tsc', '-p', project, '--outDir', outDir],
  { stdio: 'inherit' },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
cpSync('package.json', `${outDir}/package.json`);
cpSync('migrations', `${outDir}/migrations`, { recursive: true });
