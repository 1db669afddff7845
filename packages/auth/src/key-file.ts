// The signing key for sessions and links, kept in a file only its owner can read. Replacing the key
// (rotateKeyFile) revokes every link and every session signed with the old one.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AuthConfigError } from './errors.js';

const KEY_BYTES = 32;

/** Reads the key in `file`, creating the file (mode 0600, directory 0700) with a random key when missing. */
export async function loadOrCreateKeyFile(file: string, setting = 'auth.keyFile'): Promise<string> {
  try {
    return await readKeyFile(file, setting);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    // 'wx': never overwrite a key another process created in the meantime.
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(`${newKey()}\n`);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new AuthConfigError(setting, `cannot create the key file ${file}: ${(error as Error).message}`, {
        cause: error,
      });
  }
  return readKeyFile(file, setting);
}

/** Writes a new random key to `file` (atomically, mode 0600) and returns it. */
export async function rotateKeyFile(file: string): Promise<string> {
  const key = newKey();
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${key}\n`);
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  return key;
}

async function readKeyFile(file: string, setting: string): Promise<string> {
  const info = await stat(file);
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    // Like ssh with a private key: a key others can read is no secret. Say how to fix it.
    throw new AuthConfigError(
      setting,
      `the key file ${file} can be read by other users (mode ${(info.mode & 0o777).toString(8)}): run chmod 600 ${file}`,
    );
  }
  const key = (await readFile(file, 'utf8')).trim();
  if (key.length < 32)
    throw new AuthConfigError(
      setting,
      `the key file ${file} holds fewer than 32 characters: delete it to make a new one`,
    );
  return key;
}

function newKey(): string {
  return randomBytes(KEY_BYTES).toString('base64url');
}
