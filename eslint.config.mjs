// Type-aware lint, zero warnings (`npm run lint` passes --max-warnings=0).
// The import boundaries keep each outside library behind one adapter: only libs/kafka may import
// kafkajs, only libs/model may import TensorFlow.js or ONNX Runtime, and libs never import apps.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const kafkaOnly = { group: ['kafkajs', 'kafkajs/*'], message: 'Only libs/kafka imports kafkajs; use @streamcell/kafka.' };
const modelOnly = {
  group: ['@tensorflow/*', 'onnxruntime-node', 'onnxruntime-node/*'],
  message: 'Only libs/model imports TensorFlow.js and ONNX Runtime; use @streamcell/model.',
};
const noApps = { group: ['**/apps/**'], message: 'Libraries must not depend on apps.' };
const noLibInternals = {
  group: ['**/libs/*/src/**', '!./**', '!../**'],
  message: "Import a library through its public entry point (@streamcell/<lib>), not its internals.",
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '**/*.cjs', '**/*.mjs', 'coverage/**', '.cache/**', 'test-artifacts/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises the runner itself tracks.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [kafkaOnly, modelOnly, noLibInternals] }],
    },
  },
  {
    files: ['libs/kafka/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [modelOnly, noApps] }] },
  },
  {
    files: ['libs/model/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [kafkaOnly, noApps] }] },
  },
  {
    files: ['libs/**/*.ts'],
    ignores: ['libs/kafka/**', 'libs/model/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [kafkaOnly, modelOnly, noApps, noLibInternals] }] },
  },
);
