/** What a page leaves in `window.__simkitCheck` for the test to read. */
export type PageOutcome = { ok: true; result: unknown } | { ok: false; error: string; code?: string };

/** Runs a page's check and publishes its outcome (or its error) on `window`. */
export function report(check: () => Promise<unknown>): void {
  const publish = (outcome: PageOutcome) => {
    (globalThis as { __simkitCheck?: PageOutcome }).__simkitCheck = outcome;
  };
  check().then(
    (result) => publish({ ok: true, result }),
    (error: unknown) => {
      const e = error as { stack?: string; code?: unknown };
      publish({
        ok: false,
        error: String(e?.stack ?? error),
        ...(typeof e?.code === 'string' ? { code: e.code } : {}),
      });
    },
  );
}

/** Fails the check with `message` unless `condition` holds. */
export function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}
