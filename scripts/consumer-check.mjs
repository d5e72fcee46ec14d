#!/usr/bin/env node
// The consumer check: what a user gets from npm, tried the way a user tries it.
//
// 1. Packs every publishable package (pnpm pack, so workspace ranges become versions).
// 2. For each README with ```ts examples, makes a fresh npm project (no workspace), installs
//    exactly what the README's `npm install` line names (@simkit/* from the tarballs, the rest
//    from the registry), and for every ```ts block:
//      - type-checks it with skipLibCheck: false under NodeNext (as ESM and, wrapped, as CJS)
//        and under bundler resolution;
//      - runs it with node as ESM, and as CommonJS (imports become require() calls, the rest
//        runs inside an async function);
//      - a block that imports vitest or @simkit/core/testing is a test file: it runs with vitest.
//    A block fenced ```ts browser runs in the browser check instead (scripts/browser-check.mjs);
//    here it is only type-checked. Examples run with REDIS_URL naming a redis-server started here.
// 3. Type-checks every package's main entry in a DOM-only project without @types/node (the
//    packages whose main entry needs no tfjs), and resolves them under moduleResolution node10.
//
// Usage: node scripts/consumer-check.mjs [--keep] [--only <readme-dir>] [--jobs N]
// Ends with "consumer check: N passed, N failed"; exit code 1 when anything failed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const STARTED = Date.now();
const root = join(import.meta.dirname, '..');
const ts = createRequire(join(root, 'package.json'))('typescript');

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const jobs = args.includes('--jobs') ? Number(args[args.indexOf('--jobs') + 1]) : 2;

/** The versions of the consumer's own tools: the ones this repository builds with. */
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const TOOLS = {
  typescript: rootPkg.devDependencies.typescript,
  '@types/node': rootPkg.devDependencies['@types/node'],
  vitest: rootPkg.devDependencies.vitest,
};
/** Node.js programs (a command line, an HTTP service): their main entries need Node's types, not the DOM. */
const NODE_ONLY = new Set(['@simkit/cli', '@simkit/server']);
const RUN_TIMEOUT_MS = 180_000;

const results = [];
const record = (readme, what, ok, detail = '') => {
  results.push({ readme, what, ok, detail });
  const mark = ok ? 'ok  ' : 'FAIL';
  console.log(`${mark} ${readme}: ${what}${ok || !detail ? '' : `\n${indent(detail)}`}`);
};
const indent = (s) =>
  s
    .trim()
    .split('\n')
    .slice(-40)
    .map((l) => `       ${l}`)
    .join('\n');

function run(cmd, argv, cwd, { timeout = RUN_TIMEOUT_MS, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => {
      out += `\n(killed after ${timeout / 1000} s)`;
      child.kill('SIGKILL');
    }, timeout);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

rmSync(join(root, 'consumer-check-results.json'), { force: true });

/**
 * What every tarball must hold: the licence, the changelog, the README, the built entry with
 * its types, and the sources that its source maps point to.
 */
async function checkTarball(where, file) {
  const unpacked = mkdtempSync(join(work, 'unpacked-'));
  const { code, out } = await run('tar', ['xzf', file, '-C', unpacked], work);
  if (code !== 0) {
    record(where, 'tarball unpacks', false, out);
    return;
  }
  const base = join(unpacked, 'package');
  const required = ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts'];
  const absent = required.filter((f) => !existsSync(join(base, f)));
  record(where, `tarball has ${required.join(', ')}`, absent.length === 0, `missing: ${absent.join(', ')}`);
  const unresolved = [];
  const maps = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? maps(join(dir, e.name)) : e.name.endsWith('.map') ? [join(dir, e.name)] : [],
    );
  for (const map of existsSync(join(base, 'dist')) ? maps(join(base, 'dist')) : []) {
    for (const source of JSON.parse(readFileSync(map, 'utf8')).sources ?? []) {
      if (!existsSync(join(map, '..', source))) unresolved.push(`${relative(base, map)} → ${source}`);
    }
  }
  record(
    where,
    'every source map resolves inside the tarball',
    unresolved.length === 0,
    unresolved.slice(0, 10).join('\n'),
  );
}

// ---- 1. pack ---------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'simkit-consumer-'));
const tarballDir = join(work, 'tarballs');
mkdirSync(tarballDir);
const tarballs = new Map(); // package name → absolute tarball path
/** Directories of the publishable packages: every package, and the apps published with a bin (cli, server). */
const published = [];
for (const parent of ['packages', 'apps']) {
  for (const dir of readdirSync(join(root, parent)).sort()) {
    const pkgDir = join(root, parent, dir);
    if (!existsSync(join(pkgDir, 'package.json'))) continue;
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    if (!pkg.private) published.push({ rel: `${parent}/${dir}`, pkgDir, pkg });
  }
}
/**
 * Main entries that need tfjs are left out of the DOM-only check: the packages with a required
 * (not optional) tfjs-core peer, e.g. layers, losses, model and augmenters.
 */
const NEEDS_TFJS = new Set(
  published
    .filter(({ pkg }) => pkg.peerDependencies?.['@tensorflow/tfjs-core'] !== undefined)
    .filter(({ pkg }) => pkg.peerDependenciesMeta?.['@tensorflow/tfjs-core']?.optional !== true)
    .map(({ pkg }) => pkg.name),
);
for (const { rel, pkgDir, pkg } of published) {
  const { code, out } = await run('pnpm', ['pack', '--pack-destination', tarballDir], pkgDir);
  const file = join(tarballDir, `${pkg.name.replace('@', '').replace('/', '-')}-${pkg.version}.tgz`);
  if (code !== 0 || !existsSync(file)) {
    record(rel, 'pnpm pack', false, out);
    continue;
  }
  tarballs.set(pkg.name, file);
  await checkTarball(rel, file);
}
console.log(`packed ${tarballs.size} packages into ${tarballDir}`);
/** npm overrides so that a @simkit dependency of a tarball also comes from a tarball. */
const overrides = Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`]));

// The consumer's TypeScript and @types/node, installed once in the folder that holds every
// project: Node's resolution (and tsc's search for @types) walks up to it from each project.
writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer-tools', private: true }));
{
  // The newest TypeScript too (aliased), for the main entries: users upgrade before we do.
  const specs = [
    `typescript@${TOOLS.typescript}`,
    'typescript-latest@npm:typescript@latest',
    `@types/node@${TOOLS['@types/node']}`,
  ];
  const tools = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs], work, {
    timeout: 600_000,
  });
  if (tools.code !== 0) {
    console.log(tools.out);
    throw new Error('could not install TypeScript for the consumer check');
  }
}
const TSC = join(work, 'node_modules', '.bin', 'tsc');
const TSC_LATEST = join(work, 'node_modules', 'typescript-latest', 'bin', 'tsc');
const latestVersion = JSON.parse(
  readFileSync(join(work, 'node_modules', 'typescript-latest', 'package.json'), 'utf8'),
).version;

/**
 * Writes a fresh project's package.json (ESM, private, @simkit/* overridden to the tarballs)
 * and installs it with plain npm.
 */
function npmProject(dir, manifest) {
  const pkg = { private: true, type: 'module', ...manifest, overrides };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  return run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir, {
    timeout: 600_000,
  });
}

// ---- 2. README examples ----------------------------------------------------------------------
/** Fenced blocks of a markdown file: { info, code, line }. */
function fencedBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j])) body.push(lines[j++]);
    blocks.push({ lang: open[1], flags: open[2].split(/\s+/).filter(Boolean), code: body.join('\n'), line: i + 1 });
    i = j;
  }
  return blocks;
}

/** Package names on the README's `npm install` lines. */
function installLine(blocks) {
  const names = [];
  for (const b of blocks) {
    if (!['sh', 'bash', 'shell', 'console'].includes(b.lang)) continue;
    for (const line of b.code.split('\n')) {
      const m = /^\s*\$?\s*(?:npm (?:install|i)|pnpm add|yarn add)\s+(.+?)\s*(?:#.*)?$/.exec(line);
      if (!m) continue;
      for (const word of m[1].split(/\s+/)) if (!word.startsWith('-')) names.push(word);
    }
  }
  return names;
}

const packageOf = (spec) => {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
};

/** Bare module specifiers a block imports (static and dynamic), without node built-ins. */
function importsOf(code) {
  const found = new Set();
  const re = /(?:from\s+|import\s*\(\s*|import\s+|require\s*\(\s*)['"]([^'"]+)['"]/g;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    const spec = m[1];
    if (spec.startsWith('.') || spec.startsWith('node:')) continue;
    found.add(spec);
  }
  return [...found];
}

/** An example that imports vitest or the conformance suites is a test file. */
const isTestFile = (code) => importsOf(code).some((s) => s === 'vitest' || s === '@simkit/core/testing');

/**
 * The CommonJS form of an example: its import declarations stay at the top (TypeScript turns
 * them into require calls) and the rest runs inside an async function, since CommonJS has no
 * top-level await.
 */
function asCommonJs(code) {
  const sf = ts.createSourceFile('x.ts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const head = [];
  const body = [];
  for (const st of sf.statements) {
    const text = code.slice(st.getFullStart(), st.getEnd());
    (ts.isImportDeclaration(st) ? head : body).push(text);
  }
  return `${head.join('')}\n(async () => {${body.join('')}\n})().catch((error) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`;
}

function transpile(code, module) {
  return ts.transpileModule(code, {
    compilerOptions: { module, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false, esModuleInterop: true },
    reportDiagnostics: false,
  }).outputText;
}

/**
 * tsc's errors, split into ours and those located inside tfjs' own declaration files: tfjs 4.22's
 * .d.ts do not pass skipLibCheck: false (a global `Long` type, LayersModel vs InferenceModel),
 * which no package of ours can fix. Everything else (our .d.ts, the example) must be clean.
 */
function splitDiagnostics(out) {
  const ours = [];
  let upstream = 0;
  let inUpstream = false;
  for (const line of out.split('\n')) {
    if (/^\S.*\(\d+,\d+\): error TS\d+/.test(line)) {
      inUpstream = line.startsWith('node_modules/@tensorflow/');
      if (inUpstream) upstream++;
      else ours.push(line);
    } else if (line.trim() !== '' && !inUpstream) {
      ours.push(line);
    }
  }
  return { ours, upstream };
}

const STRICT = {
  strict: true,
  skipLibCheck: false,
  noEmit: true,
  target: 'ES2022',
  lib: ['ES2022', 'DOM'],
  esModuleInterop: true,
};

async function checkReadme(readmePath) {
  const started = Date.now();
  try {
    await checkOneReadme(readmePath);
  } finally {
    console.log(`     ${relative(root, readmePath)}: checked in ${Math.round((Date.now() - started) / 1000)} s`);
  }
}

async function checkOneReadme(readmePath) {
  const rel = relative(root, readmePath);
  const blocks = fencedBlocks(readFileSync(readmePath, 'utf8'));
  const examples = blocks.filter((b) => b.lang === 'ts' || b.lang === 'typescript');
  // Shell walkthroughs fenced ```sh run are run too, with the project's node_modules/.bin on PATH.
  const walkthroughs = blocks.filter((b) => b.lang === 'sh' && b.flags.includes('run'));
  if (examples.length === 0 && walkthroughs.length === 0) return;
  const named = [...new Set(installLine(blocks))];
  const imported = new Set(examples.flatMap((b) => importsOf(b.code)).map(packageOf));
  // The monorepo README installs what its examples import, and what its install lines name.
  const wanted = rel === 'README.md' ? [...new Set([...named, ...imported])] : named;
  if (wanted.length === 0) {
    record(rel, 'has an `npm install …` line', false, 'a package README must say what to install');
    return;
  }
  const wantedPackages = new Set(wanted.map((w) => packageOf(w.replace(/(.)@[^/]*$/, '$1'))));
  const missing = [...imported].filter((p) => !wantedPackages.has(p) && p !== 'vitest');
  record(
    rel,
    'install line names every package the examples import',
    missing.length === 0,
    `imported but not on the install line: ${missing.join(', ')}`,
  );

  const dir = join(work, rel.replace(/[\\/]/g, '__').replace(/\.md$/, ''));
  mkdirSync(dir, { recursive: true });
  const dependencies = {};
  for (const w of wanted) {
    const name = packageOf(w.replace(/(.)@[^/]*$/, '$1'));
    if (tarballs.has(name)) dependencies[name] = `file:${tarballs.get(name)}`;
    else dependencies[name] = w === name ? 'latest' : w.slice(name.length + 1);
  }
  // TypeScript and @types/node come from the shared folder above the projects; vitest, where an
  // example is a test file, is installed in the project (it must resolve from the test file).
  const tools = examples.some((b) => isTestFile(b.code)) ? { vitest: TOOLS.vitest } : {};
  const install = await npmProject(dir, { name: 'consumer', dependencies, devDependencies: tools });
  const errorLines = install.out.split('\n').filter((l) => /\b(ERR!|error)\b/i.test(l));
  record(rel, `npm install ${wanted.join(' ')}`, install.code === 0, install.out);
  if (install.code !== 0) return;
  record(rel, 'npm install prints no error lines', errorLines.length === 0, errorLines.join('\n'));

  const names = [];
  examples.forEach((block, i) => {
    const base = `example-${i + 1}`;
    const isTest = isTestFile(block.code);
    const browser = block.flags.includes('browser');
    names.push({ base, block, isTest, browser });
    writeFileSync(join(dir, `${base}${isTest ? '.test' : ''}.ts`), `${block.code}\n`);
    if (!isTest) writeFileSync(join(dir, `${base}-cjs.cts`), asCommonJs(block.code));
  });

  // Type checks: NodeNext (ESM files and the CJS forms) and bundler resolution.
  const configs = {
    nodenext: { module: 'NodeNext', moduleResolution: 'NodeNext' },
    bundler: { module: 'ESNext', moduleResolution: 'Bundler' },
  };
  for (const [label, resolution] of examples.length > 0 ? Object.entries(configs) : []) {
    const include = label === 'bundler' ? ['example-*.ts'] : ['example-*.ts', 'example-*.cts'];
    const file = `tsconfig.${label}.json`;
    writeFileSync(join(dir, file), JSON.stringify({ compilerOptions: { ...STRICT, ...resolution }, include }, null, 2));
    const tsc = await run(TSC, ['-p', file], dir);
    const { ours, upstream } = splitDiagnostics(tsc.out);
    const note = upstream > 0 ? ` (${upstream} errors inside @tensorflow's own declarations set aside)` : '';
    record(
      rel,
      `type-check (${label}, skipLibCheck: false)${note}`,
      tsc.code === 0 || ours.length === 0,
      ours.join('\n'),
    );
  }

  for (const block of walkthroughs) {
    const bin = join(dir, 'node_modules', '.bin');
    const sh = await run('bash', ['-e', '-o', 'pipefail', '-c', block.code], dir, {
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    record(rel, `shell walkthrough (line ${block.line}) runs`, sh.code === 0, sh.out);
  }

  for (const { base, block, isTest, browser } of names) {
    const where = `example ${base.slice(8)} (line ${block.line})`;
    if (browser) continue;
    if (isTest) {
      const vt = await run(join(dir, 'node_modules', '.bin', 'vitest'), ['run', `${base}.test.ts`], dir);
      record(rel, `${where} passes under vitest`, vt.code === 0, vt.out);
      continue;
    }
    writeFileSync(join(dir, `${base}.mjs`), transpile(block.code, ts.ModuleKind.ESNext));
    const esm = await run(process.execPath, [`${base}.mjs`], dir);
    record(rel, `${where} runs as ESM`, esm.code === 0, esm.out);
    writeFileSync(join(dir, `${base}.cjs`), transpile(asCommonJs(block.code), ts.ModuleKind.CommonJS));
    const cjs = await run(process.execPath, [`${base}.cjs`], dir);
    record(rel, `${where} runs as CommonJS`, cjs.code === 0, cjs.out);
  }
}

const readmes = [join(root, 'README.md')];
for (const { pkgDir } of published) {
  const readme = join(pkgDir, 'README.md');
  if (existsSync(readme)) readmes.push(readme);
}
const selected = only ? readmes.filter((r) => relative(root, r).startsWith(only)) : readmes;
// Examples of server-backed packages run against a real server, as a user's would: a redis-server
// of our own (Debian's; .ci/run installs it), named to the examples by REDIS_URL.
const { startRedis } = await import('../tools/test-servers/dist/index.js');
const redis = await startRedis();
process.env.REDIS_URL = redis.url;
try {
  await pool(selected, jobs, checkReadme);
} finally {
  await redis.stop();
}

// ---- 3. every main entry in a DOM-only project, and under node10 -------------------------------
if (!only) {
  const dir = join(work, 'dom-only');
  mkdirSync(dir);
  const browserSafe = [...tarballs.keys()].filter((n) => !NEEDS_TFJS.has(n) && !NODE_ONLY.has(n));
  const install = await npmProject(dir, {
    name: 'consumer-dom',
    dependencies: Object.fromEntries(browserSafe.map((n) => [n, `file:${tarballs.get(n)}`])),
  });
  record('dom-only project', 'npm install of every browser-safe package', install.code === 0, install.out);
  if (install.code === 0) {
    writeFileSync(
      join(dir, 'entries.ts'),
      browserSafe.map((n, i) => `import * as m${i} from '${n}';\nexport const e${i} = m${i};\n`).join(''),
    );
    const dom = {
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      types: [],
    };
    const variants = {
      'DOM only, bundler': { ...dom, module: 'ESNext', moduleResolution: 'Bundler' },
      'DOM only, NodeNext': { ...dom, module: 'NodeNext', moduleResolution: 'NodeNext' },
      'node10 resolution': { ...dom, module: 'CommonJS', moduleResolution: 'Node10', verbatimModuleSyntax: false },
    };
    let i = 0;
    for (const [label, options] of Object.entries(variants)) {
      const file = `tsconfig.${i++}.json`;
      writeFileSync(join(dir, file), JSON.stringify({ compilerOptions: options, files: ['entries.ts'] }, null, 2));
      const tsc = await run(TSC, ['-p', file], dir);
      record('main entries', `type-check (${label}, skipLibCheck: false)`, tsc.code === 0, tsc.out);
      if (label === 'node10 resolution') continue; // the newest TypeScript no longer offers node10
      const latest = await run(TSC_LATEST, ['-p', file], dir);
      record(
        'main entries',
        `type-check with TypeScript ${latestVersion} (${label}, skipLibCheck: false)`,
        latest.code === 0,
        latest.out,
      );
    }
  }
}

const failed = results.filter((r) => !r.ok);
if (keep || failed.length > 0) console.log(`\nconsumer projects kept in ${work}`);
else rmSync(work, { recursive: true, force: true });
if (failed.length > 0) {
  console.log('\nfailed:');
  for (const f of failed) console.log(`  ${f.readme}: ${f.what}`);
}
// Only a full run stands for the project in the CI summary (scripts/test-summary.mjs).
if (!only)
  writeFileSync(
    join(root, 'consumer-check-results.json'),
    `${JSON.stringify({ passed: results.length - failed.length, failed: failed.length, failures: failed }, null, 2)}\n`,
  );
console.log(`consumer check took ${Math.round((Date.now() - STARTED) / 1000)} s`);
console.log(`consumer check: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length > 0 ? 1 : 0);
