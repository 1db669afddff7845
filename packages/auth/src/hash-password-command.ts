// The body of `cam-server hash-password`: the password comes from stdin or a prompt on the terminal,
// never from argv (argv shows in `ps` and in shell history), and the hash goes to stdout.
import { hashPassword, type ScryptCost } from './password.js';

export interface HashPasswordIo {
  input?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  output?: NodeJS.WritableStream;
  /** Where prompts go (not stdout, so that `> file` captures only the hash). */
  prompt?: NodeJS.WritableStream;
  cost?: Partial<ScryptCost>;
}

/**
 * Reads a password (prompted twice without echo on a terminal; the first line of a pipe otherwise),
 * prints its hash and a newline, and returns the hash. Rejects with a message for an empty password,
 * a mismatch or Ctrl-C (`code` `'ABORTED'`).
 */
export async function runHashPassword(io: HashPasswordIo = {}): Promise<string> {
  const input = io.input ?? process.stdin;
  const output = io.output ?? process.stdout;
  const prompt = io.prompt ?? process.stderr;
  let password: string;
  if (input.isTTY && input.setRawMode) {
    password = await readHidden(input, prompt, 'Password: ');
    const again = await readHidden(input, prompt, 'Repeat password: ');
    if (again !== password) throw new Error('the passwords differ');
  } else {
    password = firstLine(await readAll(input));
  }
  if (password === '') throw new Error('empty password: type one, or pipe it to stdin');
  const hash = await hashPassword(password, io.cost);
  output.write(`${hash}\n`);
  return hash;
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end === -1 ? text : text.slice(0, end);
}

function readHidden(
  input: NodeJS.ReadableStream & { setRawMode?: (raw: boolean) => unknown },
  prompt: NodeJS.WritableStream,
  question: string,
): Promise<string> {
  // Echo off before the prompt shows: whoever types as soon as they see it must not see their password
  // echoed (tcsetattr waits for the prompt to drain, so the other order leaves a window).
  input.setRawMode!(true);
  prompt.write(question);
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode!(false);
      input.pause();
      prompt.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004')
          return finish(Object.assign(new Error('cancelled'), { code: 'ABORTED' }));
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else if (char >= ' ') typed += char;
      }
    };
    input.on('data', onData);
  });
}
