/**
 * The import rules of ARCHITECTURE.md ("Layers"), checked by dependency-cruiser in `npm run lint`
 * (`npm run depcheck`). Type-only imports count: they are followed like any other, so a type-only
 * cycle is a cycle. Tests (`*.test.ts`) may reach across layers to set things up and are not cruised.
 *
 *   page side:    ui → store → worker/client → worker/protocol
 *   worker side:  worker → pytorch → training, sampling, quality → model, diffusion, random, data, io
 *   shared:       config (imports diffusion and model's pure config modules)
 *
 * A violation prints the rule's name, its comment and the offending import, and fails the lint.
 */
const APP = '^src/(config|training|sampling|quality|pytorch|worker|store|ui|cli|fuzz)/|^src/main\\.tsx$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Imports point one way: a cycle, type-only ones included, means a type or module sits in the wrong place.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'diffusion-is-pure-math',
      severity: 'error',
      comment:
        'src/diffusion/ is pure TypeScript on typed arrays: no tfjs, React, npm packages or app layer.',
      from: { path: '^src/diffusion/' },
      to: { pathNot: '^src/diffusion/' },
    },
    {
      name: 'model-knows-no-schedule-or-ui',
      severity: 'error',
      comment:
        'src/model/ is the U-Net: it knows no schedule (diffusion, sampling, training), no UI and no app layer.',
      from: { path: '^src/model/' },
      to: { path: `^src/diffusion/|${APP}|(^|/)node_modules/(react|react-dom|zustand|recharts)/` },
    },
    {
      name: 'foundations-import-no-app-layer',
      severity: 'error',
      comment: 'model, diffusion, random, data and io are the bottom layer: they import nothing above them.',
      from: { path: '^src/(model|diffusion|random|data|io)/' },
      to: { path: APP },
    },
    {
      name: 'work-layers-below-the-worker',
      severity: 'error',
      comment:
        'training, sampling, quality and pytorch are run by the worker and the CLI; they import neither, nor the page.',
      from: { path: '^src/(training|sampling|quality|pytorch)/' },
      to: { path: '^src/(worker|store|ui|cli|fuzz)/' },
    },
    {
      name: 'config-is-shared',
      severity: 'error',
      comment: 'config is shared by the page, the worker and the CLI: it imports only diffusion and model.',
      from: { path: '^src/config/' },
      to: { path: '^src/(training|sampling|quality|worker|store|ui|cli|fuzz|data|io)/' },
    },
    {
      name: 'worker-serves-no-page',
      severity: 'error',
      comment: 'The worker answers commands with events: it imports no store, UI or CLI.',
      from: { path: '^src/worker/' },
      to: { path: '^src/(store|ui|cli|fuzz)/' },
    },
    {
      name: 'page-talks-to-the-worker-through-the-client',
      severity: 'error',
      comment:
        'Page code reaches the worker only through worker/client.ts and the protocol types; the rest runs in the worker.',
      from: { path: '^src/(store|ui)/|^src/main\\.tsx$' },
      to: { path: '^src/worker/', pathNot: '^src/worker/(client|protocol|trainingProtocol)\\.ts$' },
    },
    {
      name: 'ui-goes-through-the-store',
      severity: 'error',
      comment:
        'ui → store → worker/client: components send nothing to the worker themselves; they may name protocol types.',
      from: { path: '^src/ui/' },
      to: { path: '^src/worker/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'ui-encodes-no-files',
      severity: 'error',
      comment:
        'Files (PNG, GIF, APNG, zip, safetensors, pipelines) are made and read by stores, the workers and the CLI; ui uses only io/image and io/imageGrid (its timeline-export worker, which encodes off the main thread, excepted).',
      from: { path: '^src/ui/', pathNot: '^src/ui/sample/timelineExport\\.worker\\.ts$' },
      to: { path: '^src/io/', pathNot: '^src/io/(image|imageGrid)\\.ts$' },
    },
    {
      name: 'page-never-reaches-tfjs',
      severity: 'error',
      comment:
        'TensorFlow.js runs in the worker: no chain of imports from the page may reach it (the main thread only renders).',
      from: { path: '^src/(ui|store)/|^src/main\\.tsx$|^src/worker/client\\.ts$' },
      to: { path: '(^|/)node_modules/@tensorflow/', reachable: true },
    },
    {
      name: 'clinic-is-pure-logic',
      severity: 'error',
      comment:
        'clinic/ is the Clinic page logic: it reads config, diffusion and the metrics.csv format, never tfjs, React, the worker or the page.',
      from: { path: '^src/clinic/' },
      to: { path: '^src/(model|sampling|quality|pytorch|worker|store|ui|cli|fuzz)/|(^|/)node_modules/' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      comment: 'The CLI is a top layer over the same modules, like the worker.',
      from: { pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.tsx?$' },
    // Type-only imports are dependencies too (a type-only cycle is a cycle).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
