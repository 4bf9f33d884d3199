// The house rules that a tool can hold: purity of the pure files, workspace package
// boundaries, no import cycles, and the size of files and functions. A file that needs an
// exception says why in an eslint-disable comment at its top.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const AGENT = 'packages/agent/src';

// Pure: no I/O, no wall clock, no randomness. The model, the diff, and every file of a mode that
// turns state into a plan or a plan into text (render, plan, format, the *-text parsers and
// printers, chain names, the ipvs diff and index, the userspace endpoint choice).
const PURE_FILES = [
  `${AGENT}/model/**`,
  `${AGENT}/diff/**`,
  `${AGENT}/modes/*/render*.ts`,
  `${AGENT}/modes/*/plan*.ts`,
  `${AGENT}/modes/*/format*.ts`,
  `${AGENT}/modes/*/*-text.ts`,
  `${AGENT}/modes/*/chain-names.ts`,
  `${AGENT}/modes/*/options.ts`,
  `${AGENT}/modes/ipvs/diff.ts`,
  `${AGENT}/modes/ipvs/desired-index.ts`,
  `${AGENT}/modes/ipvs/advance-state.ts`,
  `${AGENT}/modes/ipvs/graceful-termination.ts`,
  `${AGENT}/modes/ipvs/kernel-names.ts`,
  `${AGENT}/modes/userspace/pick-endpoint.ts`,
  `${AGENT}/netfilter/{jump-rule,render-context,restore-text,saved-ruleset,chain-removal}.ts`,
  `${AGENT}/modes/*/kpx-chains.ts`,
  `${AGENT}/explain/format-explain.ts`,
  `${AGENT}/explain/reachable-endpoints.ts`,
];
const SIDE_EFFECT_MODULES = [
  'node:child_process',
  'node:net',
  'node:dgram',
  'node:fs',
  'node:fs/promises',
  'node:http',
  'node:https',
  'node:os',
  'execa',
  'koffi',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', '.cache/**', 'kpx-lab-report/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-relative-packages': 'error',
      'import-x/no-self-import': 'error',
    },
  },
  {
    // Colocated unit tests belong to the checkout's test tree: they share its helpers in test/.
    files: ['packages/*/src/**/*.test.ts'],
    rules: { 'import-x/no-relative-packages': 'off' },
  },
  {
    // Production code of a workspace package imports only its own files and the packages its
    // package.json declares; tests and benchmarks may use the root's dev dependencies.
    files: ['packages/*/src/**/*.ts', 'packages/*/bin/**/*.mjs'],
    ignores: ['**/*.test.ts'],
    rules: {
      'import-x/no-extraneous-dependencies': ['error', { devDependencies: false, optionalDependencies: false, peerDependencies: false, includeTypes: true }],
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    // The node agent is what runs on every node: it depends on no other workspace package.
    files: ['packages/agent/**/*.ts', 'packages/agent/**/*.mjs'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@kpx/*'], message: 'the node agent depends on no other workspace package' }] }],
    },
  },
  {
    files: PURE_FILES,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: SIDE_EFFECT_MODULES.map((name) => ({ name, message: 'pure module: no I/O here' })),
          patterns: [{ group: ['@kpx/*'], message: 'the node agent depends on no other workspace package' }],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'pure module: take a Clock' },
        { object: 'Math', property: 'random', message: 'pure module: take an Rng' },
        { object: 'process', property: 'env', message: 'pure module: take the setting as an argument' },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'pure module: no I/O here' }, { name: 'setTimeout', message: 'pure module: take a Clock' }],
    },
  },
);
