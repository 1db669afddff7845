import { type ChildProcess, fork } from 'node:child_process';

// A small request/response protocol over the IPC channel of child_process.fork: the benchmark's
// processes (the server under test, the floor, the load generator) are driven by the main process.

interface Request {
  id: number;
  method: string;
  params: unknown;
}

type Reply = { id: number; result: unknown } | { id: number; error: string };

interface Ready {
  ready: unknown;
}

type Handler = (params: never) => unknown;

/** In a child: answers the parent's calls with `handlers`, then says it is ready with `info`. */
export function serveCalls(handlers: Record<string, Handler>, info: unknown = {}): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('this script is started by the benchmark (child_process.fork), not directly');
  process.on('message', (message: Request) => {
    const handler = handlers[message.method];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown method ${message.method}`);
        return (handler as (params: unknown) => unknown)(message.params);
      })
      .then(
        (result) => send({ id: message.id, result } satisfies Reply),
        (error: unknown) =>
          send({
            id: message.id,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          }),
      );
  });
  // The parent going away ends the child: a benchmark must never leave servers behind.
  process.on('disconnect', () => process.exit(0));
  send({ ready: info } satisfies Ready);
}

export interface StartOptions {
  /** Arguments for node itself, such as `--expose-gc`. */
  execArgv?: string[];
  /** Start this program instead of node (it must end by running node on the script, keeping the IPC channel). */
  execPath?: string;
  /** The child's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** How long the child may take to say it is ready (ms). */
  timeout?: number;
}

/** A child process of the benchmark and the calls it answers. */
export class Child<Info = unknown> {
  readonly process: ChildProcess;
  readonly info: Info;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #exited = false;

  private constructor(child: ChildProcess, info: Info) {
    this.process = child;
    this.info = info;
    child.on('message', (message: Reply) => {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if ('error' in message) pending.reject(new Error(message.error));
      else pending.resolve(message.result);
    });
    child.once('exit', (code, signal) => {
      this.#exited = true;
      for (const pending of this.#pending.values()) {
        pending.reject(new Error(`child exited (${signal ?? code}) before answering`));
      }
      this.#pending.clear();
    });
  }

  get pid(): number {
    return this.process.pid!;
  }

  /**
   * Forks `script` (a file next to this one in dist/, or any file as a URL) with `args`, and waits
   * until it is ready.
   */
  static start<Info>(script: string | URL, args: string[], options: StartOptions = {}): Promise<Child<Info>> {
    const child = fork(typeof script === 'string' ? new URL(script, import.meta.url) : script, args, {
      execArgv: options.execArgv ?? [],
      ...(options.execPath ? { execPath: options.execPath } : {}),
      ...(options.env ? { env: options.env } : {}),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${script} did not start within ${options.timeout ?? 10_000} ms`));
      }, options.timeout ?? 10_000);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`${script} exited with ${code} before it was ready`));
      };
      child.once('exit', onExit);
      child.once('message', (message: Ready) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(new Child<Info>(child, message.ready as Info));
      });
    });
  }

  call<T = unknown>(method: string, params: unknown = {}): Promise<T> {
    if (this.#exited) return Promise.reject(new Error(`child exited; cannot call ${method}`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.process.send({ id, method, params } satisfies Request);
    });
  }

  /** Asks the child to exit; kills it if it has not within `timeout` ms. */
  async stop(timeout = 5000): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.process.disconnect();
    const timer = setTimeout(() => this.process.kill('SIGKILL'), timeout);
    await exited;
    clearTimeout(timer);
  }
}
