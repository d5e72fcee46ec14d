import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAVE_MANIFEST, SimkitError, openSave, writeSave } from '../src/index.js';
import { expectCode, expectOneGeneration, withTempDir } from '../src/testing/index.js';

const writeText =
  (files: Record<string, string>) =>
  async (dir: string): Promise<void> => {
    for (const [name, text] of Object.entries(files)) {
      const parts = name.split('/');
      if (parts.length > 1) await mkdir(join(dir, ...parts.slice(0, -1)), { recursive: true });
      await writeFile(join(dir, name), text);
    }
  };

async function readSave(dir: string, kind = 'test'): Promise<Record<string, string>> {
  const saved = await openSave(dir, kind);
  const out: Record<string, string> = {};
  for (const name of saved.files.keys()) out[name] = await saved.readText(name);
  return out;
}

/** The pid of a process that has exited: nothing runs under it any more (pids are not reused that fast). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

/** Kills a child process and waits until it has exited (and been reaped), so its pid is free. */
function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    }
  });
}

describe('writeSave', () => {
  it('commits a manifest naming one generation that holds the files', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'save');
      const info = await writeSave(dir, 'test', writeText({ 'a.txt': 'alpha', 'sub/b.txt': 'beta' }));
      expect(info.kind).toBe('test');
      expect(info.files).toBe(2);
      expect(info.bytes).toBe(9); // 'alpha' (5) + 'beta' (4)
      await expectOneGeneration(dir);
      const manifest = JSON.parse(await readFile(join(dir, SAVE_MANIFEST), 'utf8'));
      expect(manifest.id).toBe(info.id);
      expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(['a.txt', 'sub/b.txt']);
      expect(await readSave(dir)).toEqual({ 'a.txt': 'alpha', 'sub/b.txt': 'beta' });
    });
  });

  it('replaces a previous save and removes its generation only after the commit', async () => {
    await withTempDir(async (dir) => {
      const first = await writeSave(dir, 'test', writeText({ 'a.txt': 'one' }));
      let seenDuringWrite: string[] = [];
      const second = await writeSave(dir, 'test', async (gen) => {
        seenDuringWrite = await readdir(dir);
        await writeFile(join(gen, 'a.txt'), 'two');
      });
      // While the new generation was written, the old save was still complete and committed.
      expect(seenDuringWrite).toContain(first.dir.split('/').pop());
      expect(seenDuringWrite).toContain(SAVE_MANIFEST);
      expect(second.id).not.toBe(first.id);
      await expectOneGeneration(dir);
      expect(await readSave(dir)).toEqual({ 'a.txt': 'two' });
    });
  });

  it('keeps the previous save, and leaves nothing behind, when writing fails', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'save');
      await writeSave(dir, 'test', writeText({ 'a.txt': 'kept' }));
      const failure = new SimkitError('UNSUPPORTED', 'this writer cannot');
      const e = await expectCode(
        () =>
          writeSave(dir, 'test', async (gen) => {
            await writeFile(join(gen, 'a.txt'), 'half');
            throw failure;
          }),
        'UNSUPPORTED',
      );
      expect(e).toBe(failure);
      await expectOneGeneration(dir);
      expect(await readSave(dir)).toEqual({ 'a.txt': 'kept' });
      // A first save that fails takes the directory it created away again.
      await expectCode(
        () =>
          writeSave(join(root, 'fresh'), 'test', async () => {
            throw failure;
          }),
        'UNSUPPORTED',
      );
      expect((await readdir(root)).sort()).toEqual(['save']);
    });
  });

  it('refuses a file and a directory holding other files, and leaves them untouched', async () => {
    await withTempDir(async (root) => {
      const file = join(root, 'notes.txt');
      await writeFile(file, 'keep');
      await expectCode(() => writeSave(file, 'test', writeText({ 'a.txt': 'x' })), 'INVALID_ARGUMENT');
      await expectCode(() => writeSave(join(file, 'below'), 'test', writeText({ 'a.txt': 'x' })), 'INVALID_ARGUMENT');
      const project = join(root, 'project');
      await mkdir(project);
      await writeFile(join(project, 'main.ts'), 'keep too');
      const e = await expectCode(() => writeSave(project, 'test', writeText({ 'a.txt': 'x' })), 'INVALID_ARGUMENT');
      expect(e.message).toContain('main.ts');
      expect(await readdir(project)).toEqual(['main.ts']);
      expect(await readFile(file, 'utf8')).toBe('keep');
    });
  });

  it('refuses to replace a save of another kind, but replaces a damaged one', async () => {
    await withTempDir(async (dir) => {
      await writeSave(dir, 'model', writeText({ 'm.txt': 'model' }));
      const e = await expectCode(() => writeSave(dir, 'test', writeText({ 'a.txt': 'x' })), 'INVALID_ARGUMENT');
      expect(e.message).toContain("saved 'model'");
      expect(await readSave(dir, 'model')).toEqual({ 'm.txt': 'model' });
      await writeFile(join(dir, SAVE_MANIFEST), '{ damaged');
      await writeSave(dir, 'test', writeText({ 'a.txt': 'repaired' }));
      expect(await readSave(dir)).toEqual({ 'a.txt': 'repaired' });
    });
  });

  it('removes the generation it replaced even when a still-running process wrote it', async () => {
    await withTempDir(async (dir) => {
      const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
      try {
        // A save committed by another process (still running) that named its own generation.
        const first = await writeSave(dir, 'test', writeText({ 'a.txt': 'one' }));
        const theirs = `gen-${sleeper.pid}-0123456789abcdef`;
        await rename(first.dir, join(dir, theirs));
        const manifest = JSON.parse(await readFile(join(dir, SAVE_MANIFEST), 'utf8'));
        const { checksum: _old, ...body } = { ...manifest, generation: theirs };
        const { createHash } = await import('node:crypto');
        const checksum = createHash('sha256').update(JSON.stringify(body)).digest('hex');
        await writeFile(join(dir, SAVE_MANIFEST), JSON.stringify({ ...body, checksum }));
        expect(await readSave(dir)).toEqual({ 'a.txt': 'one' });
        await writeSave(dir, 'test', writeText({ 'a.txt': 'two' }));
        await expectOneGeneration(dir);
        expect(await readdir(dir)).not.toContain(theirs);
      } finally {
        await killAndWait(sleeper);
      }
    });
  });

  it('creates missing parents, and reports a read-only parent as IO_ERROR, not a missing one', async () => {
    await withTempDir(async (root) => {
      await writeSave(join(root, 'a', 'b', 'c'), 'test', writeText({ 'x.txt': 'x' }));
      expect(await readSave(join(root, 'a', 'b', 'c'))).toEqual({ 'x.txt': 'x' });
      const mount = join(root, 'ro');
      await mkdir(mount);
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', mount]).status).toBe(0);
      try {
        const e = await expectCode(
          () => writeSave(join(mount, 'x', 'y'), 'test', writeText({ 'a.txt': 'x' })),
          'IO_ERROR',
        );
        expect((e.details as { errno?: string }).errno).toBe('EROFS');
      } finally {
        spawnSync('umount', ['-l', mount]);
      }
    });
  });

  it('rejects bad arguments with INVALID_ARGUMENT', async () => {
    await expectCode(() => writeSave('', 'test', async () => {}), 'INVALID_ARGUMENT');
    await expectCode(() => writeSave('/tmp/x', 'Not A Kind', async () => {}), 'INVALID_ARGUMENT');
    await expectCode(() => writeSave('/tmp/x', 'test', null as never), 'INVALID_ARGUMENT');
  });

  it('lists only the manifest of a nested save, which binds the files below it', async () => {
    await withTempDir(async (dir) => {
      await writeSave(dir, 'outer', async (gen) => {
        await writeSave(join(gen, 'inner'), 'inner', writeText({ 'x.bin': 'xxx' }));
        await writeFile(join(gen, 'meta.json'), '{}');
      });
      const outer = await openSave(dir, 'outer');
      expect([...outer.files.keys()]).toEqual(['inner/simkit-save.json', 'meta.json']);
      await outer.verifyAll();
      const inner = await openSave(outer.path('inner'), 'inner');
      expect(await inner.readText('x.bin')).toBe('xxx');
    });
  });

  it('runs overlapping saves of one directory one after the other; the last one called wins', async () => {
    await withTempDir(async (dir) => {
      const saves = Array.from({ length: 6 }, (_, i) => writeSave(dir, 'test', writeText({ 'n.txt': String(i) })));
      const infos = await Promise.all(saves);
      expect(new Set(infos.map((s) => s.id)).size).toBe(6);
      await expectOneGeneration(dir);
      expect(await readSave(dir)).toEqual({ 'n.txt': '5' });
    });
  });

  it('cleans what a crashed save left, but not the work of a live process', async () => {
    await withTempDir(async (dir) => {
      await writeSave(dir, 'test', writeText({ 'a.txt': 'one' }));
      const dead = deadPid();
      const crashedGen = join(dir, `gen-${dead}-0123456789abcdef`);
      await mkdir(crashedGen);
      await writeFile(join(crashedGen, 'a.txt'), 'half-written');
      await writeFile(join(dir, `.tmp-${dead}-0123456789abcdef.json`), '{');
      const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
      try {
        const liveGen = join(dir, `gen-${sleeper.pid}-fedcba9876543210`);
        await mkdir(liveGen);
        // Loading works despite the leftovers, and changes nothing.
        const before = (await readdir(dir)).sort();
        expect(await readSave(dir)).toEqual({ 'a.txt': 'one' });
        expect((await readdir(dir)).sort()).toEqual(before);
        // The next save cleans the dead process's leftovers, not the live one's.
        await writeSave(dir, 'test', writeText({ 'a.txt': 'two' }));
        const names = await readdir(dir);
        expect(names).not.toContain(`gen-${dead}-0123456789abcdef`);
        expect(names).not.toContain(`.tmp-${dead}-0123456789abcdef.json`);
        expect(names).toContain(`gen-${sleeper.pid}-fedcba9876543210`);
      } finally {
        await killAndWait(sleeper);
      }
      // The process is gone now, so its generation is a leftover like any other.
      await writeSave(dir, 'test', writeText({ 'a.txt': 'three' }));
      await expectOneGeneration(dir);
    });
  });

  it('reports an OS refusal as IO_ERROR with the cause attached', async () => {
    // /sys refuses new entries even for root (EPERM or EROFS, depending on the kernel).
    const e = await expectCode(
      () => writeSave('/sys/simkit-save-test', 'test', writeText({ 'a.txt': 'x' })),
      'IO_ERROR',
    );
    expect(e.cause).toBeDefined();
    await withTempDir(async (dir) => {
      await writeSave(dir, 'test', writeText({ 'a.txt': 'kept' }));
      // A writer that hits a full device (/dev/full answers every write with ENOSPC).
      const full = await expectCode(
        () =>
          writeSave(dir, 'test', async (gen) => {
            await writeFile(join(gen, 'a.txt'), 'new');
            await writeFile('/dev/full', 'more than fits');
          }),
        'IO_ERROR',
      );
      expect(full.message).toContain('disk is full');
      expect(await readSave(dir)).toEqual({ 'a.txt': 'kept' });
      await expectOneGeneration(dir);
    });
  });

  it('refuses links and devices inside what it is asked to save', async () => {
    await withTempDir(async (root) => {
      await writeFile(join(root, 'outside.txt'), 'outside');
      await expectCode(
        () => writeSave(join(root, 'save'), 'test', (gen) => symlink(join(root, 'outside.txt'), join(gen, 'a.txt'))),
        'INVALID_ARGUMENT',
      );
      expect((await readdir(root)).sort()).toEqual(['outside.txt']);
    });
  });
});

describe('openSave', () => {
  const good = (dir: string) => writeSave(dir, 'test', writeText({ 'a.txt': 'alpha', 'b/c.txt': 'gamma' }));

  it('fails with CORRUPT_INDEX on a missing directory, a file, or a directory without a save', async () => {
    await withTempDir(async (root) => {
      await expectCode(() => openSave(join(root, 'nothing'), 'test'), 'CORRUPT_INDEX');
      await writeFile(join(root, 'file'), 'x');
      await expectCode(() => openSave(join(root, 'file'), 'test'), 'CORRUPT_INDEX');
      const e = await expectCode(() => openSave(root, 'test'), 'CORRUPT_INDEX');
      expect(e.message).toContain(SAVE_MANIFEST);
      await expectCode(() => openSave('', 'test'), 'INVALID_ARGUMENT');
    });
  });

  it('refuses a manifest that is damaged, edited, of another kind or of a newer format', async () => {
    await withTempDir(async (dir) => {
      await good(dir);
      const file = join(dir, SAVE_MANIFEST);
      const original = await readFile(file, 'utf8');
      const manifest = JSON.parse(original);
      const cases: Array<[string, string]> = [
        ['not JSON', original.slice(0, original.length >> 1)],
        [
          'an edited size',
          JSON.stringify({ ...manifest, files: [{ ...manifest.files[0], bytes: 4 }, manifest.files[1]] }),
        ],
        ['an edited id', JSON.stringify({ ...manifest, id: '0000000000000000' })],
        [
          'a path leaving the save',
          JSON.stringify({ ...manifest, files: [{ ...manifest.files[0], path: '../a.txt' }] }),
        ],
        ['no checksum', JSON.stringify({ ...manifest, checksum: undefined })],
        ['an array', '[]'],
      ];
      for (const [what, text] of cases) {
        await writeFile(file, text);
        await expectCode(() => openSave(dir, 'test'), 'CORRUPT_INDEX').catch((e) => {
          throw new Error(`${what}: ${String(e)}`);
        });
      }
      // A newer format is UNSUPPORTED only when its checksum holds; a damaged version is CORRUPT_INDEX.
      await writeFile(file, original.replace('"version": 1', '"version": 3'));
      await expectCode(() => openSave(dir, 'test'), 'CORRUPT_INDEX');
      const { checksum: _c, ...body } = { ...manifest, version: 99 };
      const { createHash } = await import('node:crypto');
      await writeFile(
        file,
        JSON.stringify({ ...body, checksum: createHash('sha256').update(JSON.stringify(body)).digest('hex') }),
      );
      await expectCode(() => openSave(dir, 'test'), 'UNSUPPORTED');
      await writeFile(file, original);
      const e = await expectCode(() => openSave(dir, 'other'), 'CORRUPT_INDEX');
      expect(e.message).toContain("saved 'test'");
      expect(await readSave(dir)).toEqual({ 'a.txt': 'alpha', 'b/c.txt': 'gamma' });
    });
  });

  it('scan hands a file over in order in 1 MiB chunks, with the checks of read', async () => {
    await withTempDir(async (dir) => {
      // 2.5 MiB of a known pattern: chunks of 1 MiB, 1 MiB and 0.5 MiB.
      const size = 5 * 2 ** 19;
      const big = new Uint8Array(size);
      for (let i = 0; i < size; i++) big[i] = (i * 31 + (i >> 11)) & 0xff;
      const info = await writeSave(dir, 'test', async (gen) => {
        await writeFile(join(gen, 'big.bin'), big);
      });
      const saved = await openSave(dir, 'test');
      const seen = new Uint8Array(size);
      const offsets: number[] = [];
      await saved.scan('big.bin', (chunk, offset) => {
        offsets.push(offset);
        seen.set(chunk, offset);
      });
      expect(offsets).toEqual([0, 2 ** 20, 2 ** 21]);
      expect(Buffer.compare(seen, big)).toBe(0);
      // One flipped byte in the last chunk: every byte was handed over, then the checksum refuses the file.
      big[size - 1] = (big[size - 1] as number) ^ 1;
      await writeFile(join(info.dir, 'big.bin'), big);
      let handed = 0;
      await expectCode(
        () =>
          saved.scan('big.bin', (chunk) => {
            handed += chunk.length;
          }),
        'CORRUPT_INDEX',
      );
      expect(handed).toBe(size);
      await expectCode(() => saved.scan('big.bin', () => undefined, { maxBytes: size - 1 }), 'CORRUPT_INDEX');
      await expectCode(() => saved.scan('unlisted.bin', () => undefined), 'CORRUPT_INDEX');
      // An error thrown by the visitor ends the scan with that error.
      const stop = new SimkitError('CORRUPT_INDEX', 'visitor refused');
      await expect(
        saved.scan('big.bin', () => {
          throw stop;
        }),
      ).rejects.toBe(stop);
    });
  });

  it('checks each file before returning it: size, checksum, plain file, listed', async () => {
    await withTempDir(async (dir) => {
      const info = await good(dir);
      const saved = await openSave(dir, 'test');
      await writeFile(join(info.dir, 'a.txt'), 'alphA');
      await expectCode(() => saved.read('a.txt'), 'CORRUPT_INDEX');
      await expectCode(() => saved.verifyAll(), 'CORRUPT_INDEX');
      await writeFile(join(info.dir, 'a.txt'), 'alph');
      await expectCode(() => saved.read('a.txt'), 'CORRUPT_INDEX');
      await writeFile(join(info.dir, 'a.txt'), 'alpha');
      expect(await saved.readText('a.txt')).toBe('alpha');
      await expectCode(() => saved.read('unlisted.txt'), 'CORRUPT_INDEX');
      await expectCode(() => saved.read('a.txt', { maxBytes: 4 }), 'CORRUPT_INDEX');
      expect(() => saved.path('../elsewhere')).toThrow(SimkitError);
      // A directory on the way replaced by a link to a look-alike elsewhere.
      await rename(join(info.dir, 'b'), join(dir, '..', `moved-${info.id}`));
      await symlink(join(dir, '..', `moved-${info.id}`), join(info.dir, 'b'));
      await expectCode(() => saved.read('b/c.txt'), 'CORRUPT_INDEX');
    });
  });

  it('refuses a FIFO, a link to /dev/zero and a linked generation at once, without blocking', async () => {
    await withTempDir(async (dir) => {
      const info = await good(dir);
      const file = join(info.dir, 'a.txt');
      const saved = await openSave(dir, 'test');
      await writeFile(file, '');
      spawnSync('rm', ['-f', file]);
      expect(spawnSync('mkfifo', [file]).status).toBe(0);
      const t0 = Date.now();
      await expectCode(() => saved.read('a.txt'), 'CORRUPT_INDEX');
      spawnSync('rm', ['-f', file]);
      await symlink('/dev/zero', file);
      await expectCode(() => saved.read('a.txt'), 'CORRUPT_INDEX');
      expect(Date.now() - t0).toBeLessThan(5000);
      // The manifest itself as a FIFO.
      spawnSync('rm', ['-f', join(dir, SAVE_MANIFEST)]);
      expect(spawnSync('mkfifo', [join(dir, SAVE_MANIFEST)]).status).toBe(0);
      await expectCode(() => openSave(dir, 'test'), 'CORRUPT_INDEX');
    });
    await withTempDir(async (dir) => {
      const info = await good(dir);
      const elsewhere = `${info.dir}-elsewhere`;
      await rename(info.dir, elsewhere);
      await symlink(elsewhere, info.dir);
      await expectCode(() => openSave(dir, 'test'), 'CORRUPT_INDEX');
      expect((await stat(elsewhere)).isDirectory()).toBe(true);
    });
  });
});
