// The dependency rules of shared/DESIGN.md ("Dependency direction"), checked by `npm test`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'no import cycle anywhere in lib/ or kernel/', from: {}, to: { circular: true } },
    { name: 'lib-not-kernel', severity: 'error', comment: 'the library works without the kernel', from: { path: '^lib/' }, to: { path: '^kernel/' } },
    {
      name: 'data-knows-no-models', severity: 'error', comment: 'data knows nothing of models',
      from: { path: '^lib/data/' }, to: { path: '^lib/(model|train|registry|viz|serve)/' },
    },
    {
      name: 'model-knows-no-consumers', severity: 'error', comment: 'model knows nothing of train, registry, viz or serve',
      from: { path: '^lib/model/' }, to: { path: '^lib/(train|registry|viz|serve)/' },
    },
    {
      name: 'only-serve-knows-serve', severity: 'error', comment: 'model, train, registry and viz know nothing of serving',
      from: { path: '^lib/(?!serve/|index\\.ts)' }, to: { path: '^lib/serve/' },
    },
    {
      name: 'registry-knows-no-train-or-viz', severity: 'error', comment: 'the registry stores what model and data produce',
      from: { path: '^lib/registry/' }, to: { path: '^lib/(train|viz|serve)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|test|bench)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    moduleSystems: ['cjs', 'es6'],
  },
};
