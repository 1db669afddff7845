// A module resolution hook (node:module `register`) for the shipped server's process: the server loads
// drivers by package name, and `@cam/driver-bench` is not a package it depends on, so it is resolved
// here to the benchmark's driver. Nothing else is touched.
const DRIVER = '@cam/driver-bench';

type Resolve = (
  specifier: string,
  context: unknown,
  next: (specifier: string, context: unknown) => Promise<{ url: string }>,
) => Promise<{ url: string; shortCircuit?: boolean }>;

export const resolve: Resolve = async (specifier, context, next) => {
  if (specifier === DRIVER)
    return { url: new URL('./bench-driver.js', import.meta.url).href, shortCircuit: true };
  return next(specifier, context);
};
