#!/usr/bin/env node
// Library packages must load in a browser: no static import of a Node.js built-in in
// packages/*/src. Node-only work (files, zlib) loads its modules on first use, e.g. with
// nodeFiles() from @simkit/core. Exempt: store-level's location.ts (its package.json
// "browser" field swaps in location-browser.ts) and @simkit/core/testing (test helpers).
// Type-only imports are fine: they vanish at build.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const EXEMPT = [join('packages', 'store-level', 'src', 'location.ts'), join('packages', 'core', 'src', 'testing')];
const BUILTINS =
  'node:[\\w/]+|fs|fs/promises|path|os|zlib|crypto|url|util|module|child_process|worker_threads|events|stream|buffer';
const STATIC_IMPORT = new RegExp(`^\\s*(import|export)\\s+(?!type\\b)[^;]*?from\\s+['"](${BUILTINS})['"]`, 'ms');
const BARE_IMPORT = new RegExp(`^\\s*import\\s+['"](${BUILTINS})['"]`, 'm');

function* sources(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* sources(full);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) yield full;
  }
}

const offenders = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const src = join(root, 'packages', pkg, 'src');
  try {
    statSync(src);
  } catch {
    continue;
  }
  for (const file of sources(src)) {
    const rel = relative(root, file);
    if (EXEMPT.some((e) => rel.startsWith(e))) continue;
    // One statement at a time, so a multi-line import is seen whole.
    for (const statement of readFileSync(file, 'utf8').split(';')) {
      if (STATIC_IMPORT.test(statement) || BARE_IMPORT.test(statement)) {
        offenders.push(`${rel}: ${statement.trim().replace(/\s+/g, ' ').slice(0, 120)}`);
      }
    }
  }
}
if (offenders.length > 0) {
  console.error('Static imports of Node.js built-ins in browser-safe packages (load them on first use instead):');
  for (const o of offenders) console.error(`  ${o}`);
  process.exit(1);
}
console.log('browser-safe imports: ok');
