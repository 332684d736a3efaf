// Runs the TypeScript sources directly: SWC transpiles (keeping decorator metadata, which Nest's
// constructor injection needs and esbuild-based loaders drop) and resolves the tsconfig paths
// aliases (@streamcell/*). Type checking is tsc's job (`npm run typecheck`), not the loader's.
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || require('node:path').join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
