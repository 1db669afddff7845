// Whole-repo runs from the root (`pnpm vitest`); `pnpm test` runs each package through turbo instead.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { projects: ['packages/*', 'apps/*'] },
});
