// @ts-check
import js from '@eslint/js';
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
