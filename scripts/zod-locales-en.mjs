// Stands in for zod's locale index in the host bundles (see esbuild.js): English only.
export { default as en } from 'zod/v4/locales/en.js';
