// The hash-password helper as a real child process: the password comes from a pipe or from a terminal
// prompt without echo (a real pseudo-terminal through util-linux `script`), never from argv. The order of
// echo and prompt, which a real terminal shows only by luck of scheduling, is checked in process.
import { execFile, spawn } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, onTestFinished, vi } from 'vitest';
import { runHashPassword, verifyPassword } from '../src/index.js';
import { requireTool, test } from './support.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/hash-password.mjs', import.meta.url));

function runWithStdin(input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [SCRIPT], (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: child.exitCode, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

describe('runHashPassword', () => {
  test('from a pipe: the first line is the password, the hash goes to stdout alone', async () => {
    const { code, stdout, stderr } = await runWithStdin('pass word é\nignored second line\n');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^scrypt\$1024\$8\$1\$[^$]+\$[^$]+\n$/);
    expect(await verifyPassword('pass word é', stdout.trim())).toBe(true);
  });

  test('an empty password is refused with a message', async () => {
    const { code, stdout, stderr } = await runWithStdin('\n');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('error: empty password');
  });

  test('on a terminal, echo is off before each prompt shows', async () => {
    // What the terminal sees, in order: a password typed the moment a prompt shows must not be echoed, so
    // raw mode (no echo) has to come first. The pseudo-terminal test below can only catch that by luck.
    const events: string[] = [];
    const input = Object.assign(new PassThrough(), {
      isTTY: true,
      setRawMode: (raw: boolean) => events.push(`raw ${raw}`),
    });
    const prompt = new Writable({
      write(chunk, _encoding, done) {
        const text = String(chunk);
        events.push(`prompt ${JSON.stringify(text)}`);
        if (text.endsWith(': ')) setImmediate(() => input.write('secret\r'));
        done();
      },
    });
    const output = new Writable({ write: (_chunk, _encoding, done) => done() });
    await runHashPassword({ input, prompt, output, cost: { N: 1024 } });
    expect(events).toEqual([
      'raw true',
      'prompt "Password: "',
      'raw false',
      'prompt "\\n"',
      'raw true',
      'prompt "Repeat password: "',
      'raw false',
      'prompt "\\n"',
    ]);
  });

  test('on a terminal: prompts twice, never echoes, prints the hash', { timeout: 30_000 }, async ({
    skip,
  }) => {
    const missing = requireTool('/usr/bin/script', 'apt-get install util-linux');
    if (missing) skip(missing);
    const inTerminal = () => {
      const child = spawn('/usr/bin/script', ['-qec', `"${process.execPath}" "${SCRIPT}"`, '/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      onTestFinished(() => {
        child.kill();
      });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      return { child, output: () => output, exited };
    };

    const session = inTerminal();
    // Type only once the prompt shows, when the terminal is in raw mode (no echo).
    await vi.waitFor(() => expect(session.output()).toContain('Password: '), { timeout: 10_000 });
    session.child.stdin.write('tty-secret\r');
    await vi.waitFor(() => expect(session.output()).toContain('Repeat password: '), { timeout: 10_000 });
    session.child.stdin.write('tty-secret\r');
    expect(await session.exited).toBe(0);
    expect(session.output()).not.toContain('tty-secret');
    const hash = /scrypt\$\S+/.exec(session.output())![0];
    expect(await verifyPassword('tty-secret', hash)).toBe(true);

    const mismatch = inTerminal();
    await vi.waitFor(() => expect(mismatch.output()).toContain('Password: '), { timeout: 10_000 });
    mismatch.child.stdin.write('one\r');
    await vi.waitFor(() => expect(mismatch.output()).toContain('Repeat password: '), { timeout: 10_000 });
    mismatch.child.stdin.write('two\r');
    expect(await mismatch.exited).toBe(1);
    expect(mismatch.output()).toContain('error: the passwords differ');
  });
});
