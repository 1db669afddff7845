#!/usr/bin/env node
// cam-server: starts the cam server (one camera from the environment, or the cameras of a config file),
// or runs one of its commands. `cam-server --help` lists everything.
import { checkConfig, checkConfigHelp } from './cli/check-config.js';
import { parseCommandLine } from './cli/command-line.js';
import { hashPasswordCommand, hashPasswordHelp } from './cli/hash-password.js';
import { helpText } from './cli/help.js';
import { linkCommand, linkHelp } from './cli/link.js';
import { refuse } from './cli/refuse.js';
import { serve } from './cli/serve.js';
import { serverVersion } from './cli/version.js';
import { loadConfigFrom } from './load-config.js';
import { logFormatFromEnv } from './logger.js';
import { userDirectory } from './user-paths.js';

/**
 * Subcommands: each gets the arguments after its name and prints what it returns (nothing when it
 * printed its output itself). Add new ones here.
 */
const SUBCOMMANDS: Record<
  string,
  {
    help: typeof checkConfigHelp;
    run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string | undefined>;
  }
> = {
  'check-config': { help: checkConfigHelp, run: checkConfig },
  'hash-password': { help: hashPasswordHelp, run: hashPasswordCommand },
  link: { help: linkHelp, run: linkCommand },
};

// Run where the user stands (pnpm runs scripts in the package's directory, and says where the user ran
// the command in INIT_CWD), so that relative paths in CAMERA_<OPTION> variables and local driver files
// mean what the user meant.
try {
  process.chdir(userDirectory(process.env));
} catch {
  // INIT_CWD names no directory (it was removed, or inherited from elsewhere): stay where we are.
}

try {
  const line = parseCommandLine(process.argv.slice(2), Object.keys(SUBCOMMANDS));
  switch (line.kind) {
    case 'help':
      console.log(
        helpText(
          serverVersion(),
          Object.values(SUBCOMMANDS).map((subcommand) => subcommand.help),
        ),
      );
      break;
    case 'version':
      console.log(serverVersion());
      break;
    case 'subcommand': {
      const output = await SUBCOMMANDS[line.name]!.run(line.args, process.env);
      if (output !== undefined) console.log(output);
      break;
    }
    case 'serve': {
      await serve(loadConfigFrom(process.env, line.configPath), logFormatFromEnv(process.env));
      break;
    }
  }
} catch (error) {
  refuse(error);
}
