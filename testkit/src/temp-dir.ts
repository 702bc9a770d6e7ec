/**
 * A scratch directory for one run's state (the connector's store, the console's state and config),
 * removed with everything in it when the run is over.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TempDir {
  path: string
  remove(): void
}

export function tempDir(prefix = 'relay-console-testkit-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}
