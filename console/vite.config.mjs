// Builds the console into dist/console (served by the API at `/`; never committed). Assets live
// under /console/ so they cannot shadow an API route; JSX compiles to Preact's runtime.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/console/',
  logLevel: 'warn',
  // The same production build whatever NODE_ENV the caller has (jest runs with `test`, which would
  // otherwise compile JSX in development mode: source locations in every element, ~12% more gzip).
  mode: 'production',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact', development: false } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts or data: URLs for JS: the page's CSP allows scripts from 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
