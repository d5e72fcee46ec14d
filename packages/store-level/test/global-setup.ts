import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The child-process tests run the built package, so build it when dist is missing or older than src. */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const stale = readdirSync(join(root, 'src')).some((file) => {
    const built = join(root, 'dist', file.replace(/\.ts$/, '.js'));
    return !existsSync(built) || statSync(built).mtimeMs < statSync(join(root, 'src', file)).mtimeMs;
  });
  if (!stale) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}
