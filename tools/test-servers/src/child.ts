import { type ChildProcess, spawn } from 'node:child_process';

/** A server process that can be stopped politely, killed, and started again. */
export class ServerProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly what: string,
  ) {}

  /** Starts the process; `ready` resolves once the server answers. */
  async start(ready: () => Promise<void>): Promise<void> {
    this.output = '';
    // stdin stays open for the server's life: a server that watches it stops when its parent dies.
    const child = spawn(this.command, this.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) =>
        reject(new Error(`Could not start ${this.what} (${this.command}): ${error.message}`, { cause: error })),
      );
      child.once('exit', (code, signal) =>
        reject(new Error(`${this.what} exited (${signal ?? code}) before it answered:\n${this.output}`)),
      );
    });
    failed.catch(() => undefined);
    try {
      await Promise.race([ready(), failed]);
    } catch (error) {
      // A server that never answered is not left running.
      await this.signal('SIGKILL');
      throw error;
    }
  }

  /** The process id of the running server. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Sends `signal` and waits until the process has exited. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** What the server printed last (for failure messages). */
  get log(): string {
    return this.output;
  }
}
