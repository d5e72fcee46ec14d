import { describe, expect, it } from 'vitest';
import * as browser from '../src/location-browser.js';
import * as node from '../src/location.js';

describe('location modules', () => {
  it('export the same functions in browsers as in Node (the bundler swaps one for the other)', () => {
    // Only Node has an OS temp directory to sweep; nothing outside location.ts uses it.
    const nodeOnly = new Set(['removeAbandonedLocations']);
    const wanted = Object.keys(node).filter((name) => !nodeOnly.has(name));
    expect(Object.keys(browser).sort()).toEqual(wanted.sort());
    expect(node.FILE_SNAPSHOTS).toBe(true);
    expect(browser.FILE_SNAPSHOTS).toBe(false);
  });
});
