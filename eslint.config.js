// @ts-check
import js from '@eslint/js';
import vitest from '@vitest/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      'node_modules/',
      '.data/',
      'bench/results/',
      '.scratch*/',
      'test/.readme-examples/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='Date'][property.name='now']",
          message: 'Read time through the injected Clock (src/common/clock.ts), not Date.now().',
        },
      ],
    },
  },
  {
    // A promise nobody awaits: its rejection goes unhandled (the process dies on Node's default) and
    // whatever was meant to happen after it may happen before. These rules need types, read through
    // tsconfig.json (which covers src, test, bench, examples) by the project service: no build needed.
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // A test that cannot fail: an assertion never awaited, a test with no assertion, a focused or
    // skipped test, two tests under one name, an expect outside any test.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    plugins: { vitest },
    rules: {
      // Vitest's expect takes a message as its second argument.
      'vitest/valid-expect': ['error', { maxArgs: 2 }],
      'vitest/valid-expect-in-promise': 'error',
      // The repo's own assertion helpers (expectPrinted, expectFanOut, ...) and fast-check's fc.assert,
      // whose property may assert by returning false.
      'vitest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', 'fc.assert'] }],
      'vitest/no-focused-tests': 'error',
      'vitest/no-disabled-tests': 'error',
      'vitest/no-identical-title': 'error',
      'vitest/no-standalone-expect': 'error',
      'vitest/valid-describe-callback': 'error',
      // Not no-conditional-expect: its 27 hits were all deliberate: property and table tests asserting
      // "if P then Q", and catch blocks already guarded by expect.unreachable() or a toThrow().
    },
  },
  {
    // DESIGN.md: the simulator and the CLI import only from the public API (src/index.ts).
    files: ['src/simulator/**/*.ts', 'src/cli/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(\\.\\./)+(common|errors|fleet|orchestrator|policies|components|health|lifecycle|testing)/',
              message: 'The simulator and the CLI import only from the public API: use src/index.ts.',
            },
            {
              regex: '^\\.\\./\\.\\./simulator/',
              message: 'The CLI imports the simulator through the public API: use src/index.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/common/clock.ts', 'bench/**', 'test/**', 'examples/**', 'src/lifecycle/**', 'src/cli/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
