#!/usr/bin/env node
// Creates the skeleton of a workspace package: package.json, tsconfigs, vitest config, README, CHANGELOG.
// Usage: node scripts/new-package.mjs <dir-name> "<description>" [dep ...]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, description, ...deps] = process.argv.slice(2);
if (!dir || !description) {
  console.error('usage: node scripts/new-package.mjs <dir-name> "<description>" [@simkit/dep ...]');
  process.exit(2);
}
const root = join(import.meta.dirname, '..', 'packages', dir);
if (existsSync(root)) {
  console.error(`packages/${dir} exists already`);
  process.exit(1);
}
const name = `@simkit/${dir}`;
mkdirSync(join(root, 'src'), { recursive: true });
mkdirSync(join(root, 'test'), { recursive: true });
const write = (file, text) => writeFileSync(join(root, file), text);
write(
  'package.json',
  `${JSON.stringify(
    {
      name,
      version: '0.1.0',
      description,
      license: 'Apache-2.0',
      type: 'module',
      sideEffects: false,
      engines: { node: '>=20' },
      files: ['dist'],
      exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
      scripts: {
        build: 'tsc -p tsconfig.build.json',
        typecheck: 'tsc -p tsconfig.json --noEmit',
        test: 'vitest run',
      },
      dependencies: Object.fromEntries(deps.map((d) => [d, 'workspace:^'])),
      devDependencies: { '@types/node': '^20.19.0', 'fast-check': '^4.3.0', typescript: '~5.9.3', vitest: '^3.2.4' },
    },
    null,
    2,
  )}\n`,
);
write(
  'tsconfig.json',
  `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": ".", "noEmit": true, "types": ["node"] },
  "include": ["src", "test"]
}
`,
);
write(
  'tsconfig.build.json',
  `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "types": ["node"] },
  "include": ["src"]
}
`,
);
write(
  'vitest.config.ts',
  `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
`,
);
write('README.md', `# ${name}\n\n${description}\n`);
write('CHANGELOG.md', `# ${name}\n`);
write('src/index.ts', 'export {};\n');
console.log(`created packages/${dir}`);
