import type { ServiceErrorCode } from './errors.js';

/** Upper bounds (seconds) of the request-duration histogram buckets. */
export const DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Gauges read at the moment of a scrape. */
export interface Gauges {
  readonly indexSize: number;
  readonly inFlight: number;
  readonly queued: number;
  readonly rejected: number;
}

/** A snapshot of the service counters, as `GET /stats` reports them. */
export interface ServiceCounters {
  /** Requests answered. */
  readonly requests: number;
  /** Error responses by code. */
  readonly errors: Readonly<Record<string, number>>;
}

/** Escapes a Prometheus label value. */
function label(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/** A Prometheus number: integers as such, `+Inf` for infinity. */
function num(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  return String(value);
}

/** Request counters and durations, rendered in the Prometheus text format 0.0.4. */
export class ServiceMetrics {
  private readonly requests = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();
  private readonly errors = new Map<string, number>();
  private total = 0;

  /** Records one answered request; `route` is the route pattern, e.g. `/records/:id`. */
  observe(route: string, status: number, seconds: number): void {
    this.total++;
    const key = `${route}\u0000${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.durations.get(route);
    if (h === undefined) {
      h = { counts: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.durations.set(route, h);
    }
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      if (seconds <= (DURATION_BUCKETS[i] as number)) h.counts[i] = (h.counts[i] as number) + 1;
    }
    h.sum += seconds;
    h.count++;
  }

  /** Records one error response by its code. */
  error(code: ServiceErrorCode): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** The counters for `GET /stats`. */
  counters(): ServiceCounters {
    return { requests: this.total, errors: Object.fromEntries(this.errors) };
  }

  /** The exposition text of every metric. */
  render(g: Gauges): string {
    const out: string[] = [];
    out.push('# HELP simkit_requests_total Requests answered, by route and HTTP status.');
    out.push('# TYPE simkit_requests_total counter');
    for (const [key, n] of [...this.requests].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [route, status] = key.split('\u0000') as [string, string];
      out.push(`simkit_requests_total{route="${label(route)}",status="${status}"} ${n}`);
    }
    out.push('# HELP simkit_request_duration_seconds Time from receiving a request to answering it.');
    out.push('# TYPE simkit_request_duration_seconds histogram');
    for (const [route, h] of [...this.durations].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const r = label(route);
      DURATION_BUCKETS.forEach((le, i) => {
        out.push(`simkit_request_duration_seconds_bucket{route="${r}",le="${num(le)}"} ${h.counts[i]}`);
      });
      out.push(`simkit_request_duration_seconds_bucket{route="${r}",le="+Inf"} ${h.count}`);
      out.push(`simkit_request_duration_seconds_sum{route="${r}"} ${num(h.sum)}`);
      out.push(`simkit_request_duration_seconds_count{route="${r}"} ${h.count}`);
    }
    out.push('# HELP simkit_errors_total Error responses, by error code.');
    out.push('# TYPE simkit_errors_total counter');
    for (const [code, n] of [...this.errors].sort(([a], [b]) => (a < b ? -1 : 1))) {
      out.push(`simkit_errors_total{code="${label(code)}"} ${n}`);
    }
    const gauge = (name: string, help: string, type: 'gauge' | 'counter', value: number) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${num(value)}`);
    };
    gauge('simkit_index_size', 'Records in the index.', 'gauge', g.indexSize);
    gauge('simkit_in_flight', 'Requests doing index work now.', 'gauge', g.inFlight);
    gauge('simkit_queued', 'Requests waiting for a slot.', 'gauge', g.queued);
    gauge('simkit_rejected_total', 'Requests refused with 503 OVERLOADED.', 'counter', g.rejected);
    return `${out.join('\n')}\n`;
  }
}
