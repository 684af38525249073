import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // Several files train in beforeAll; on a busy 2-core machine that outlasts the 10 s default.
    hookTimeout: 60_000,
  },
});
