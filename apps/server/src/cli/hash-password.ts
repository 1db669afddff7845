import { runHashPassword } from '@cam/auth';
import { ConfigError } from '../config.js';

export const hashPasswordHelp = {
  name: 'hash-password',
  usage: 'hash-password',
  summary: 'read a password (prompt, or stdin) and print its scrypt hash for auth.users[].password',
};

/**
 * `cam-server hash-password`: the password from a prompt without echo (twice), or the first line of
 * stdin; never from the command line, where `ps` and the shell's history would show it. The hash goes to
 * stdout (runHashPassword prints it), prompts to stderr.
 */
export async function hashPasswordCommand(args: readonly string[]): Promise<undefined> {
  if (args.length) {
    throw new ConfigError(
      'hash-password takes no arguments (a password on the command line would show in ps and shell history): ' +
        'type it at the prompt, or pipe it to stdin',
    );
  }
  try {
    await runHashPassword();
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return undefined;
}
