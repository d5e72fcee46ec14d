import { describe, expect, it } from 'vitest';
import { createService } from '../src/index.js';
import { expectError, tinyIndex } from './helpers.js';

describe('internal failures', () => {
  it('are 500 INTERNAL without internals in the response, and go to the logger', async () => {
    const index = await tinyIndex();
    index.search.lookup = async () => {
      throw new Error('disk /var/secret/index.bin vanished');
    };
    const logged: Array<{ level: string; fields?: Record<string, unknown> }> = [];
    const s = await createService({
      index,
      logger: { log: (level, _message, fields) => logged.push({ level, ...(fields && { fields }) }) },
    });
    try {
      const res = await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [1, 0] } });
      expectError(res, 500, 'INTERNAL');
      expect(res.body).not.toContain('secret');
      const errors = logged.filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(String(errors[0]?.fields?.error)).toContain('/var/secret/index.bin');
      const stats = (await s.app.inject({ method: 'GET', url: '/stats' })).json();
      expect(stats.service.errors).toEqual({ INTERNAL: 1 });
    } finally {
      await s.close();
    }
  });

  it('a backend that cannot delete answers 409 UNSUPPORTED and keeps the record', async () => {
    const index = await tinyIndex();
    Object.defineProperty(index.search, 'supports', { value: { ...index.search.supports, delete: false } });
    const s = await createService({ index });
    try {
      expectError(await s.app.inject({ method: 'DELETE', url: '/records/1' }), 409, 'UNSUPPORTED');
      expect(index.size()).toBe(3);
      expect(s.changed).toBe(false);
    } finally {
      await s.close();
    }
  });
});
