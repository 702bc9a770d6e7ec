/**
 * The one Vite/Vitest config of the repo: the web app's build (root `web/`, output `web/dist`),
 * its dev server (proxying the API to a console on 8787), and the test projects of every workspace.
 */
import { fileURLToPath } from 'node:url'
import tailwindcss from '@tailwindcss/vite'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vitest/config'

const web = fileURLToPath(new URL('./web', import.meta.url))
const console_ = 'http://127.0.0.1:8787'

export default defineConfig({
  root: web,
  plugins: [react(), tailwindcss()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        codeSplitting: {
          // Zod and the module that turns its code generation off share one chunk, so that switch is
          // thrown before any module defines a schema, whichever chunk those land in (the page's
          // Content-Security-Policy refuses eval: docs/api.md, "Security headers").
          groups: [{ name: 'zod', test: /[\\/]node_modules[\\/]zod[\\/]|[\\/]zod-jitless\.ts$/ }],
        },
      },
    },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: console_, changeOrigin: false },
      '/auth': { target: console_, changeOrigin: false },
    },
  },
  test: {
    projects: [
      {
        test: {
          name: 'shared',
          root: './shared',
          include: ['src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'connector',
          root: './connector',
          include: ['src/**/*.test.ts'],
          environment: 'node',
          testTimeout: 15_000,
        },
      },
      {
        test: {
          name: 'bff',
          root: './bff',
          include: ['src/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'testkit',
          root: './testkit',
          include: ['src/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'reliability',
          root: './reliability',
          include: ['src/**/*.test.ts'],
          environment: 'node',
          // The chaos run compares heaps after a full collection.
          execArgv: ['--expose-gc'],
          testTimeout: 120_000,
        },
      },
      {
        plugins: [react()],
        test: {
          name: 'web',
          root: './web',
          include: ['src/**/*.test.{ts,tsx}', '../locales/**/*.test.ts'],
          environment: 'happy-dom',
          setupFiles: ['./src/test-setup.ts'],
        },
      },
    ],
  },
})
