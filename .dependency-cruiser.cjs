/**
 * The layering rules of runicorn, checked by dependency-cruiser on the TypeScript sources
 * (`npm run check:deps`, part of `npm test`).
 *
 * src/streams is the pure core (rxjs, fp-ts and io-ts only), src/effects does the I/O, src/cli is
 * the boot edge; src/index.ts and src/testing.ts are the public entry points and may import any
 * layer. What a regex cannot see, this does: type-only imports, re-exports, `require()`, cycles.
 * The bans on globals (`process`, `Date`, `Math.random`, `console`, timers) in src/streams are
 * not imports: Biome checks them (the `src/streams/**` override in biome.json).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'streams-are-pure',
      severity: 'error',
      comment:
        'src/streams imports only rxjs, fp-ts, io-ts and itself: no node builtins, no other package, '
        + 'nothing from src/effects, src/cli or the entry points. Time, I/O and randomness come in as events.',
      from: { path: '^src/streams/' },
      // Not anchored: a package manager may resolve to a real path (pnpm, a linked node_modules).
      to: { pathNot: ['^src/streams/', '(^|/)node_modules/(rxjs|fp-ts|io-ts)/'] },
    },
    {
      name: 'effects-never-import-cli',
      severity: 'error',
      comment:
        'src/effects carries out commands; the CLI is the boot edge that wires them. Depending the other way round would tie effects to argv.',
      from: { path: '^src/effects/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'only-entry-points-import-entry-points',
      severity: 'error',
      comment:
        'src/index.ts and src/testing.ts are the public surface; the layers never import them (that is how cycles start).',
      from: { path: '^src/', pathNot: '^src/(index|testing)\\.ts$' },
      to: { path: '^src/(index|testing)\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle of runtime imports means two modules that cannot be loaded (or understood) apart.',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-types',
      severity: 'warn',
      comment:
        'A cycle closed only by `import type` is erased at runtime, but still two concepts tangled: move the shared type.',
      from: { path: '^src/' },
      to: { circular: true, via: { dependencyTypes: ['type-only'] } },
    },
    {
      name: 'no-dev-dependencies-in-src',
      severity: 'error',
      comment:
        'Shipped code must not import a devDependency (it is not installed for users); type-only imports are erased.',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-unlisted-packages',
      severity: 'error',
      comment: 'Every package src imports is in package.json (not only present in node_modules by chance).',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import that cannot be resolved is a typo or a missing file.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: `import type` from effects would still couple the pure layer to it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
