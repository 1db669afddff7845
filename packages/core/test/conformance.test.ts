import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { type ConformanceSuiteOptions, runConformanceSuite, testJpeg } from '../src/testing/index.js';
import { deafDriver, eagerOpenDriver, reusedBufferDriver, testCameraDriver } from './fixtures/drivers.js';

// Real timers: the suite runs as a driver package would run it against itself.
runConformanceSuite({
  test,
  describe,
  name: 'TestCamera driver conformance',
  driver: testCameraDriver,
  options: { interval: '20' },
  supports: { deviceError: { options: { interval: '20', failOpens: '1' }, code: 'DRIVER_FAILED' } },
});

/** The suite's tests for `options`, by name, to run by hand and see them fail. */
function collectSuite(options: Omit<ConformanceSuiteOptions, 'test'>): Map<string, () => Promise<void>> {
  const tests = new Map<string, () => Promise<void>>();
  runConformanceSuite({ ...options, test: (name, fn) => tests.set(name, fn) });
  return tests;
}

/** Runs the suite's test whose name starts with `[rule]` and returns its failure message. */
async function failureOf(tests: Map<string, () => Promise<void>>, rule: string): Promise<string> {
  const entry = [...tests].find(([name]) => name.startsWith(`[${rule}]`));
  if (!entry) throw new Error(`the suite has no test for [${rule}]: ${[...tests.keys()].join(', ')}`);
  try {
    await entry[1]();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`[${rule}] passed, but the driver breaks that rule`);
}

describe('the suite catches broken drivers', () => {
  test('a driver that rewrites a Buffer it yielded fails [frame-immutable]', async () => {
    const tests = collectSuite({ driver: reusedBufferDriver });
    expect(await failureOf(tests, 'frame-immutable')).toMatch(
      /^conformance \[frame-immutable\]: frame \d+ changed after it was yielded: yield a new Buffer for every frame/,
    );
  });

  test('a driver that opens its device in the constructor fails [opens-on-demand]', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-eager-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const device = join(dir, 'device.jpg');
    writeFileSync(device, testJpeg(1));
    const tests = collectSuite({ driver: eagerOpenDriver(device) });
    const message = await failureOf(tests, 'opens-on-demand');
    expect(message).toMatch(
      /^conformance \[opens-on-demand\]: the driver opened its device before the first demand/,
    );
    expect(message).toContain(`-> ${device}`);
  });

  test('each broken driver passes the rules it keeps, so the failures are about those rules', async () => {
    const tests = collectSuite({ driver: reusedBufferDriver });
    await expect(failureOf(tests, 'options-unknown')).rejects.toThrow('passed');
    await expect(failureOf(tests, 'opens-on-demand')).rejects.toThrow('passed');
  });

  test('a driver deaf to its abort signal fails [releases-on-close]: the camera had to abandon it', async () => {
    expect(await failureOf(collectSuite({ driver: deafDriver }), 'releases-on-close')).toMatch(
      /^conformance \[releases-on-close\]: the camera stopped but the driver's generator has not ended/,
    );
  });

  test('a driver that accepts unknown options fails [options-unknown]', async () => {
    const lax = { ...testCameraDriver, parseOptions: () => ({ interval: 20, failOpens: 0 }) };
    expect(await failureOf(collectSuite({ driver: lax }), 'options-unknown')).toBe(
      'conformance [options-unknown]: parseOptions accepted an unknown option "conformanceNoSuchOption"',
    );
  });

  test('a device error with another code than declared fails [device-error]', async () => {
    const tests = collectSuite({
      driver: testCameraDriver,
      supports: { deviceError: { options: { failOpens: '1' }, code: 'DEVICE_NOT_FOUND' } },
    });
    expect(await failureOf(tests, 'device-error')).toMatch(
      /^conformance \[device-error\]: viewers should get a CameraError with code DEVICE_NOT_FOUND, got .*\(code DRIVER_FAILED\)$/,
    );
  });

  test('supports decides which checks exist', () => {
    expect(
      [...collectSuite({ driver: testCameraDriver }).keys()].some((name) =>
        name.startsWith('[device-error]'),
      ),
    ).toBe(false);
    const single = collectSuite({ driver: testCameraDriver, supports: { concurrentInstances: false } });
    expect([...single.keys()].some((name) => name.startsWith('[concurrent-instances]'))).toBe(false);
  });
});
