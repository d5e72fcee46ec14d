import { SimkitError } from '@simkit/core';
import { describe, expect, it } from 'vitest';
import { readNpz } from '../src/npz.js';
import { NdArray } from '../src/pickle.js';
import { runPython } from './python.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

function array(m: Map<string, unknown>, name: string): NdArray {
  const v = m.get(name);
  expect(v).toBeInstanceOf(NdArray);
  return v as NdArray;
}

function codeOf(fn: () => unknown): { code: string | undefined; message: string } {
  try {
    fn();
  } catch (e) {
    return { code: SimkitError.isInstance(e) ? e.code : undefined, message: (e as Error).message };
  }
  return { code: undefined, message: 'no error' };
}

const ARCHIVES = runPython(`
import io, json, zipfile
import numpy as np
arrays = dict(
    f=np.arange(6, dtype=np.float32).reshape(2, 3) / 4,
    i=np.array([1, -2, 2**40]),
    be=np.array([1, 258], dtype='>i4'),
    b=np.array([True, False, True]),
    u=np.array(['ab', 'été', '']),
    s=np.array([b'ab', b'c']),
    o=np.array([None, {'k': [1, 2]}, 'x'], dtype=object),
    e=np.zeros((0, 4), dtype=np.float32),
)
out = {}
for name, fn in (('compressed', np.savez_compressed), ('stored', np.savez)):
    buf = io.BytesIO()
    fn(buf, **arrays)
    out[name] = buf.getvalue().hex()
# an archive with one entry that is not .npy
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w', compression=zipfile.ZIP_DEFLATED) as z:
    b2 = io.BytesIO(); np.save(b2, np.array([3, 4], dtype=np.int16)); z.writestr('a.npy', b2.getvalue())
    z.writestr('notes.txt', b'hello')
out['mixed'] = buf.getvalue().hex()
print(json.dumps(out))
`) as Record<string, string>;

describe('readNpz reads what NumPy writes', () => {
  for (const kind of ['compressed', 'stored']) {
    it(`np.savez${kind === 'compressed' ? '_compressed' : ''}: every dtype TF Similarity saves`, () => {
      const m = readNpz(hex(ARCHIVES[kind] as string), { what: `${kind}.npz` });
      expect([...m.keys()].sort()).toEqual(['b', 'be', 'e', 'f', 'i', 'o', 's', 'u']);
      const f = array(m, 'f');
      expect(f.dtype).toBe('float32');
      expect(f.shape).toEqual([2, 3]);
      expect(Array.from(f.data as Float32Array)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
      expect(array(m, 'i').dtype).toBe('int64');
      expect(Array.from(array(m, 'i').data as BigInt64Array)).toEqual([1n, -2n, 2n ** 40n]);
      expect(Array.from(array(m, 'be').data as Int32Array)).toEqual([1, 258]);
      expect(array(m, 'b').dtype).toBe('bool');
      expect(Array.from(array(m, 'b').data as Uint8Array)).toEqual([1, 0, 1]);
      expect(array(m, 'u')).toMatchObject({ dtype: 'str', shape: [3], data: ['ab', 'été', ''] });
      const s = array(m, 's');
      expect(s.dtype).toBe('bytes');
      expect((s.data as Uint8Array[]).map((x) => Array.from(x))).toEqual([[97, 98], [99]]);
      const o = array(m, 'o');
      expect(o.dtype).toBe('object');
      expect(o.data).toEqual([null, new Map([['k', [1, 2]]]), 'x']);
      expect(array(m, 'e').shape).toEqual([0, 4]);
    });
  }

  it('returns entries that are not .npy as raw bytes', () => {
    const m = readNpz(hex(ARCHIVES.mixed as string));
    expect(Array.from(array(m, 'a').data as Int16Array)).toEqual([3, 4]);
    expect(new TextDecoder().decode(m.get('notes.txt') as Uint8Array)).toBe('hello');
  });
});

describe('readNpz refuses damaged and hostile archives', () => {
  const bombs = runPython(`
import json, struct, zlib
# raw deflate of 2,000,000,000 zero bytes: full-flushed blocks repeat byte for byte
c = zlib.compressobj(9, zlib.DEFLATED, -15)
chunk = 1 << 24
block = c.compress(bytes(chunk)) + c.flush(zlib.Z_FULL_FLUSH)
total = 2_000_000_000
n = total // chunk
rest = total - n * chunk
stream = block * n + c.compress(bytes(rest)) + c.flush(zlib.Z_FINISH)

def archive(declared):
    name = b'data.npy'
    local = struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 8, 0, 0, 0, len(stream), declared, len(name), 0) + name
    central = struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, 8, 0, 0, 0, len(stream), declared, len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 1, 1, len(central), len(local) + len(stream), 0)
    return (local + stream + central + end).hex()

print(json.dumps({'declared': archive(total), 'liar': archive(1000), 'packed': len(stream)}))
`) as { declared: string; liar: string; packed: number };

  it('a zip bomb declaring 2 GB is refused under maxBytes before anything is inflated', () => {
    expect(bombs.packed).toBeLessThan(4_000_000);
    const r = codeOf(() => readNpz(hex(bombs.declared), { what: 'bomb.npz' }));
    expect(r.code).toBe('CORRUPT_INDEX');
    expect(r.message).toMatch(/^bomb\.npz/);
    expect(r.message).toMatch(/declare 2000000000 bytes once inflated, more than the limit of 1073741824/);
  });

  it('an entry that inflates past its declared size is stopped there', () => {
    const r = codeOf(() => readNpz(hex(bombs.liar), { what: 'liar.npz' }));
    expect(r.code).toBe('CORRUPT_INDEX');
    expect(r.message).toMatch(/entry 'data\.npy' inflates to more than the 1000 bytes it declares/);
  });

  it('a lower maxBytes refuses an ordinary archive that inflates past it', () => {
    const r = codeOf(() => readNpz(hex(ARCHIVES.compressed as string), { maxBytes: 100 }));
    expect(r.code).toBe('CORRUPT_INDEX');
    expect(r.message).toMatch(/more than the limit of 100/);
  });

  it('truncated archives', () => {
    const full = hex(ARCHIVES.compressed as string);
    for (const cut of [
      full.subarray(0, full.length - 5),
      full.subarray(0, Math.floor(full.length / 2)),
      full.subarray(0, 10),
    ]) {
      const r = codeOf(() => readNpz(cut, { what: 'cut.npz' }));
      expect(r.code).toBe('CORRUPT_INDEX');
      expect(r.message).toMatch(
        /^cut\.npz is not a readable \.npz archive: no end-of-central-directory|^cut\.npz is not a readable \.npz archive: it has 10 bytes/,
      );
    }
    // The directory intact but the data before it cut short: the offsets no longer add up.
    const gap = new Uint8Array(full.length - 40);
    gap.set(full.subarray(0, 100));
    gap.set(full.subarray(140), 100);
    expect(codeOf(() => readNpz(gap)).code).toBe('CORRUPT_INDEX');
  });

  it('a CRC-32 mismatch', () => {
    const [h, at] = runPython(`
import io, json, zipfile
import numpy as np
buf = io.BytesIO()
np.savez(buf, embeddings=np.arange(64, dtype=np.float32))
b = bytearray(buf.getvalue())
info = zipfile.ZipFile(io.BytesIO(bytes(b))).infolist()[0]
name_len, extra_len = int.from_bytes(b[info.header_offset + 26:info.header_offset + 28], 'little'), int.from_bytes(b[info.header_offset + 28:info.header_offset + 30], 'little')
at = info.header_offset + 30 + name_len + extra_len + 200
b[at] ^= 0xff
print(json.dumps([bytes(b).hex(), at]))
`) as [string, number];
    expect(at).toBeGreaterThan(0);
    const r = codeOf(() => readNpz(hex(h)));
    expect(r.code).toBe('CORRUPT_INDEX');
    expect(r.message).toMatch(/entry 'embeddings\.npy' does not match its CRC-32/);
  });

  it('a shape claiming more rows than the bytes hold', () => {
    const [numeric, objects, unicode] = runPython(`
import io, json, struct, zipfile
import numpy as np
def npy(a):
    b = io.BytesIO(); np.save(b, a, allow_pickle=True); return b.getvalue()
def lie(raw, old, new):
    hlen = struct.unpack('<H', raw[8:10])[0]
    h = raw[10:10 + hlen].decode('latin1').replace(old, new).rstrip('\\n').rstrip(' ')
    h = h + ' ' * (hlen - 1 - len(h)) + '\\n'
    return raw[:10] + h.encode('latin1') + raw[10 + hlen:]
def npz(entry):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr('embeddings.npy', entry)
    return buf.getvalue().hex()
print(json.dumps([
    npz(lie(npy(np.zeros((5, 8), np.float32)), '(5, 8)', '(100000000, 8)')),
    npz(lie(npy(np.array([None, 1], dtype=object)), '(2,)', '(4000000000,)')),
    npz(lie(npy(np.array(['ab', 'c'])), '(2,)', '(9000000,)')),
]))
`) as string[];
    for (const h of [numeric, objects, unicode]) {
      const r = codeOf(() => readNpz(hex(h as string), { what: 'lie.npz' }));
      expect(r.code).toBe('CORRUPT_INDEX');
      expect(r.message).toMatch(/embeddings\.npy in lie\.npz/);
    }
    expect(codeOf(() => readNpz(hex(numeric as string))).message).toMatch(/needs 3200000000 data bytes/);
    expect(codeOf(() => readNpz(hex(objects as string))).message).toMatch(/claims 4000000000 objects/);
  });

  it('ZIP64 archives are refused as UNSUPPORTED', () => {
    const [h] = runPython(`
import io, json, zipfile
zipfile.ZIP_FILECOUNT_LIMIT = 1  # makes Python write the ZIP64 end records for two entries
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w') as z:
    z.writestr('a.npy', b'x')
    z.writestr('b.npy', b'y')
print(json.dumps([buf.getvalue().hex()]))
`) as string[];
    const r = codeOf(() => readNpz(hex(h as string)));
    expect(r.code).toBe('UNSUPPORTED');
    expect(r.message).toMatch(/ZIP64/);
  });

  it('bytes that are not a ZIP file', () => {
    const r = codeOf(() => readNpz(new TextEncoder().encode('just some text, not an archive at all')));
    expect(r.code).toBe('CORRUPT_INDEX');
    expect(r.message).toMatch(/no end-of-central-directory record/);
  });
});
