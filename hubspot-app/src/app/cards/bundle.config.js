// `npm run build`: bundles the card the way HubSpot's build does (@hubspot/ui-extensions-dev-server 2.1.2,
// lib/build.js `buildSingleExtension`: Vite, one IIFE with React and @hubspot/ui-extensions inside,
// process.env.NODE_ENV defined), into ./dist, to prove offline that the card compiles and every import
// resolves. Not named vite.config.js on purpose: HubSpot's build runs Vite in this folder and would merge a
// vite.config.js into its own settings.
import { defineConfig } from 'vite';

export default defineConfig({
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    minify: false,
    lib: {
      entry: 'ProjectCard.jsx',
      name: 'ProjectCard',
      formats: ['iife'],
      fileName: () => 'ProjectCard.js',
    },
  },
});
