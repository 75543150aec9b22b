/**
 * Vite build of the partner dashboard (`vite build dashboard`, part of `npm run build`): this
 * folder's index.html, dashboard.css and src/ become `dist/dashboard/` — index.html, app.js,
 * dashboard.css and the lazily imported chunks (`[name].js`: reports.js, the reports view with
 * Chart.js) side by side, the one-segment names the Dashboard function serves (functions/dashboard.ts)
 * under its strict Content-Security-Policy: no inline script or style (no module-preload polyfill),
 * relative URLs (the page lives at `/api/dashboard/`), no source maps in the package.
 */
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  // No public/ folder: everything the page loads is built from sources.
  publicDir: false,
  build: {
    outDir: "../dist/dashboard",
    emptyOutDir: true,
    assetsDir: "",
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    sourcemap: false,
    target: "es2022",
    // Never inline an asset as a data: URL (the CSP allows data: images only; keep every file served).
    assetsInlineLimit: 0,
    rolldownOptions: {
      output: {
        entryFileNames: "app.js",
        chunkFileNames: "[name].js",
        assetFileNames: (asset) => (asset.names.some((n) => n.endsWith(".css")) ? "dashboard.css" : "[name][extname]"),
      },
    },
  },
});
