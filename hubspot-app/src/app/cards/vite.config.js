// `npm run build`: bundles the card as HubSpot's build does (one ES module with React and
// @hubspot/ui-extensions inside), into ./dist, to prove offline that it compiles and every import resolves.
// `npm test` (vitest) reads this file too; no option here changes the tests.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    minify: false,
    lib: {
      entry: 'ProjectCard.jsx',
      formats: ['es'],
      fileName: 'ProjectCard',
    },
  },
});
