#!/usr/bin/env node
// cam-server: starts the cam server or runs one of its commands (src/cli/run.ts). This file only sets up
// the process before anything else is loaded.
import { keepYoungGenerationSmall } from './young-generation.js';

// First, before the server's modules load: V8 grows its young generation while it compiles them (to
// 8 MiB per semi-space on Node 20) and never gives it back, so a setting applied after the imports
// would hold the nursery at the size the start left it, not at its starting size (see Memory in README).
keepYoungGenerationSmall();
await import('./cli/run.js');
