import type { TestContext } from 'vitest';

/** Title tag of a test that runs only for backends that declare `supports[flag]`. */
export function needs(flag: string): string {
  return `[needs supports.${flag}]`;
}

/** Title tag of a test that runs only for backends that declare `supports[flag]` false. */
export function without(flag: string): string {
  return `[without supports.${flag}]`;
}

/**
 * Skips the running test, naming the capability, unless `supports[flag]` is true:
 * a test of a capability the backend does not claim is reported as skipped, never as passed.
 */
export function skipUnlessSupported(ctx: TestContext, backend: string, supports: object, flag: string): void {
  if ((supports as Record<string, unknown>)[flag] !== true) {
    ctx.skip(`${backend} declares supports.${flag} = false`);
  }
}

/** Skips the running test, naming the capability, when `supports[flag]` is true. */
export function skipIfSupported(ctx: TestContext, backend: string, supports: object, flag: string): void {
  if ((supports as Record<string, unknown>)[flag] === true) {
    ctx.skip(`${backend} declares supports.${flag} = true; this test checks backends without it`);
  }
}
