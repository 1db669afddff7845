import { runConformanceSuite } from '@cam/core/testing';
import { describe, test } from 'vitest';
import { driver } from '../src/index.js';

// The driver export with options as the server passes them (strings). 20 fps keeps the suite fast; the
// behaviour does not depend on the rate. The emulator has no device that could fail: no deviceError.
runConformanceSuite({ test, describe, driver, options: { fps: '20' } });
