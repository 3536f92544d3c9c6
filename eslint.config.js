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
    files: ['src/common/clock.ts', 'bench/**', 'test/**', 'examples/**', 'src/lifecycle/**', 'src/cli/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
