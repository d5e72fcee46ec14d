// @ts-check
// Builds the web app into a static folder, or serves it while you edit (--dev).
//
//   node scripts/build.mjs [--model DIR] [--out DIR]      static build (default out: dist/)
//   node scripts/build.mjs --dev [--port N] [--model DIR]  rebuild on change, serve on 127.0.0.1
//
// The folder holds index.html, style.css, app.js (the bundle), tfjs/ (the wasm backend's .wasm
// files) and data/, the assets exported from the model save (assets.json, model/, *.f32, *.u8). Without a
// model save the app is still built; the page then says how to make one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { exportAssets } from './export-assets.mjs';

const appDir = resolve(import.meta.dirname, '..');

/**
 * The esbuild options of the app bundle.
 * @param {string} outDir
 * @param {boolean} dev
 * @returns {esbuild.BuildOptions}
 */
function bundleOptions(outDir, dev) {
  return {
    entryPoints: [join(appDir, 'src', 'main.ts')],
    bundle: true,
    minify: !dev,
    sourcemap: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // The WebGL backend is imported on demand, so it goes into a chunk of its own.
    splitting: true,
    outdir: outDir,
    entryNames: 'app',
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
    // Reload the page when a rebuild finishes (esbuild's serve mode publishes /esbuild events).
    ...(dev && { banner: { js: "new EventSource('/esbuild').addEventListener('change', () => location.reload());" } }),
  };
}

/**
 * The tfjs wasm backend's binaries, served next to the app (tfjs fetches them at start-up).
 * @param {string} outDir
 */
async function copyWasmBinaries(outDir) {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  await mkdir(join(outDir, 'tfjs'), { recursive: true });
  for (const file of await readdir(dist)) {
    if (file.endsWith('.wasm')) await copyFile(join(dist, file), join(outDir, 'tfjs', file));
  }
}

/**
 * Sizes of the bundle's JavaScript files (minified, and gzipped at level 9): those a page loads at
 * start-up, and the chunk of the WebGL backend, loaded only when it is chosen.
 * @param {esbuild.Metafile | undefined} metafile
 */
async function bundleSizes(metafile) {
  const startup = { minified: 0, gzipped: 0 };
  const webgl = { minified: 0, gzipped: 0 };
  for (const [file, output] of Object.entries(metafile?.outputs ?? {})) {
    if (!file.endsWith('.js')) continue;
    const code = await readFile(file);
    const part = Object.keys(output.inputs).some((i) => i.includes('tfjs-backend-webgl')) ? webgl : startup;
    part.minified += code.length;
    part.gzipped += gzipSync(code, { level: 9 }).length;
  }
  return { startup, webgl };
}

/**
 * Builds the static app into `outDir`; returns the bundle's sizes and what was exported.
 * @param {{ outDir: string, modelDir: string, dev?: boolean, log?: (line: string) => void }} options
 */
export async function buildApp({ outDir, modelDir, dev = false, log = () => {} }) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await cp(join(appDir, 'public'), outDir, { recursive: true });
  await copyWasmBinaries(outDir);
  const result = await esbuild.build(bundleOptions(outDir, dev));
  const sizes = await bundleSizes(result.metafile);
  const b = (/** @type {number} */ n) => `${n.toLocaleString('en')} B`;
  log(
    `JavaScript: ${b(sizes.startup.minified)}${dev ? '' : ' minified'}, ${b(sizes.startup.gzipped)} gzipped at start-up; WebGL backend on demand: ${b(sizes.webgl.minified)}, ${b(sizes.webgl.gzipped)} gzipped`,
  );
  /** @type {Awaited<ReturnType<typeof exportAssets>> | undefined} */
  let exported;
  if (existsSync(join(modelDir, 'simkit-save.json'))) {
    exported = await exportAssets({ modelDir, outDir: join(outDir, 'data') });
    log(
      `model save ${exported.modelId}: ${exported.records} indexed digits × ${exported.dim}, weights ${exported.weightBytes.toLocaleString('en')} B, ${exported.strip} test digits`,
    );
  } else {
    log(
      `No model save in ${relative(process.cwd(), modelDir) || '.'}: the app is built without one and will say so. Run \`pnpm start\` first, or pass --model DIR.`,
    );
  }
  return { sizes, exported, inputs: Object.keys(result.metafile?.inputs ?? {}) };
}

async function main() {
  const { values } = parseArgs({
    // `pnpm <script> -- --port N` passes the `--` on; options may follow it.
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      model: { type: 'string' },
      out: { type: 'string' },
      dev: { type: 'boolean', default: false },
      port: { type: 'string', default: '5173' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  // Run by hand (not as a turbo task), first build the workspace packages the app bundles.
  if (process.env.TURBO_HASH === undefined) {
    const turbo = spawnSync(
      'pnpm',
      ['exec', 'turbo', 'run', 'build', '--filter=@simkit/web^...', '--output-logs=errors-only'],
      {
        cwd: join(appDir, '..', '..'),
        stdio: 'inherit',
      },
    );
    if (turbo.status !== 0) throw new Error('building the packages the app uses failed (see above)');
  }
  if (values.help) {
    console.log('usage: node scripts/build.mjs [--model DIR] [--out DIR] [--dev [--port N]]');
    return;
  }
  const modelDir = resolve(
    values.model ?? process.env.SIMKIT_WEB_MODEL ?? join(appDir, '..', 'hello-mnist', 'output', 'model'),
  );
  const outDir = resolve(values.out ?? join(appDir, 'dist'));
  const log = (/** @type {string} */ line) => console.log(`web: ${line}`);
  await buildApp({ outDir, modelDir, dev: values.dev, log });
  if (!values.dev) {
    log(`static app written to ${relative(process.cwd(), outDir) || '.'}`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0…65535; got ${values.port}`);
  const context = await esbuild.context(bundleOptions(outDir, true));
  await context.watch();
  const served = await context.serve({ servedir: outDir, host: '127.0.0.1', port });
  log(`serving http://127.0.0.1:${served.port}/ — rebuilds and reloads on change; Ctrl-C stops`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((error) => {
    console.error(`web: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
