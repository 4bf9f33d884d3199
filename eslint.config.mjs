import tseslint from 'typescript-eslint';

const PURE_FOLDERS = [
  'src/model/**',
  'src/diff/**',
  'src/netfilter/{jump-rule,render-context,restore-text,saved-ruleset,chain-removal}.ts',
  'src/modes/*/kpx-chains.ts',
  'src/modes/*/render*.ts',
  'src/modes/*/plan*.ts',
  'src/modes/*/chain-names.ts',
];
const SIDE_EFFECT_MODULES = ['node:child_process', 'node:net', 'node:dgram', 'node:fs', 'node:fs/promises', 'node:http', 'execa'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', '.cache/**', 'bin/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: PURE_FOLDERS,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: SIDE_EFFECT_MODULES.map((name) => ({ name, message: 'pure module: no I/O here' })) }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'pure module: take a Clock' },
        { object: 'Math', property: 'random', message: 'pure module: take an Rng' },
      ],
    },
  },
);
