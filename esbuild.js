// Builds the extension host bundle (node/cjs) and the review panel bundle (browser).
// `--watch` rebuilds on change, `--production` minifies. Types are checked by `npm run typecheck`.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints problem-matcher friendly lines for VS Code's esbuild watch task. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

// zod's namespace re-exports every locale (~265 KB); the host only reports errors in English,
// so `z.locales` carries just `en`. Parsing less code is most of what activation costs.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.c?js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|mini|core)[\\/]/.test(args.importer)
        ? { path: require('path').join(__dirname, 'scripts', 'zod-locales-en.mjs') }
        : undefined);
  },
};

// axios (with mime-db, ~250 KB) is only needed once a model or training API is called, so
// it lives in its own file that the extension requires at that moment.
const axiosOnDemand = {
  name: 'axios-on-demand',
  setup(build) {
    build.onResolve({ filter: /^axios$/ }, () => ({ path: './vendor/axios.js', external: true }));
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'silent',
  plugins: [problemMatcher],
};

const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Native and ESM-only runtimes load from node_modules at run time, only when needed.
    external: ['vscode', 'onnxruntime-node', '@huggingface/tokenizers'],
    plugins: [...common.plugins, zodEnglishOnly, axiosOnDemand],
  },
  {
    ...common,
    entryPoints: { 'vendor/axios': require.resolve('axios') },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    // Reward scoring runs in a worker thread: onnxruntime's run() blocks the event loop.
    ...common,
    entryPoints: { rewardWorker: 'src/core/reward/worker.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['onnxruntime-node', '@huggingface/tokenizers'],
  },
  {
    // Reward training runs in its own worker: fitting takes ~1 s on a few thousand pairs.
    ...common,
    entryPoints: { rewardTrainWorker: 'src/core/reward/trainWorker.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [...common.plugins, zodEnglishOnly],
  },
  {
    ...common,
    entryPoints: { webview: 'src/webview/main.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  {
    // Integration suites that run inside a real extension host (code-server or desktop).
    ...common,
    entryPoints: { 'integration/index': 'test/integration/index.ts' },
    outdir: 'out',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha', 'onnxruntime-node', '@huggingface/tokenizers'],
  },
];


async function main() {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
