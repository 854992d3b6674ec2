// `npm run deps` (part of `npm test`): the layering of shared/ (see README, "Layout").
const FEATURES = '(uploads|schedules|scaling|images|alerts)';
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No import cycles anywhere.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'kernel-imports-no-feature',
      severity: 'error',
      comment: 'The kernel is what every automation may use; it imports none of them, nor the assembly.',
      from: { path: '^shared/kernel/' },
      to: { path: `^shared/(${FEATURES.slice(1, -1)}|config|deploy)/` },
    },
    {
      name: 'no-feature-into-another',
      severity: 'error',
      comment: 'An automation does not reach into another automation; what they share lives in the kernel.',
      from: { path: `^shared/${FEATURES}/` },
      to: { path: `^shared/${FEATURES}/`, pathNot: '^shared/$1/' },
    },
    {
      name: 'features-use-only-the-schema-of-the-assembly',
      severity: 'error',
      comment:
        'shared/config and shared/deploy assemble the automations; an automation uses only the assembled Config type.',
      from: { path: `^shared/${FEATURES}/` },
      to: { path: '^shared/(config|deploy)/', pathNot: '^shared/config/schema\\.ts$' },
    },
    {
      name: 'runtime-imports-no-tooling',
      severity: 'error',
      comment:
        'Lambda code (functions/, shared/) never bundles the CLI, the simulator, the demo or benchmarks.',
      from: { path: '^(functions|shared)/' },
      to: { path: '^(bin|local|bench|test)/' },
    },
    {
      name: 'pure-code-imports-no-sdk',
      severity: 'error',
      comment: 'Decisions are pure: only adapters (an aws/ folder) talk to AWS SDK clients.',
      from: { path: '^shared/', pathNot: '/aws/' },
      to: { path: '@aws-sdk/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.serverless|\\.esbuild|\\.build|\\.venv|coverage)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.cjs', '.mjs'] },
  },
};
