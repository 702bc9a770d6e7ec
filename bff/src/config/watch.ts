/**
 * Reloading the config file while the console runs (docs/configuration.md, "Changing the fleet
 * without a restart"): on SIGHUP (the caller's `reload`) and whenever the file changes.
 * @module
 */
import { type FSWatcher, watch } from 'node:fs'
import { basename, dirname } from 'node:path'
import type { Log } from '../lib/log'
import { ConfigError, type RuntimeConfig } from './load'

export interface ConfigWatch {
  /** Reloads the file now (`trigger` says why, for the log). */
  reload(trigger: string): void
  /** Stops watching; reloads asked for later are ignored. */
  close(): void
}

/** How long the file must stay quiet before it is read: an editor saves in several steps. */
const RELOAD_DEBOUNCE_MS = 200

/**
 * Reloads the config file on SIGHUP (`reload`) and whenever it changes. Its directory is watched,
 * not the file: editors save by writing a new file and renaming it over the old one. A file that
 * does not load is refused with its problems logged, each naming its field; the running set stays.
 * Reloads never overlap: one asked for while another runs follows it, once.
 */
export function watchConfigFile(options: {
  file: string
  load: (file: string) => RuntimeConfig
  /** Applies a config that loaded (the console's `reload`). */
  apply: (config: RuntimeConfig) => Promise<unknown>
  log: Log
}): ConfigWatch {
  const { file, log } = options
  let current: Promise<void> | null = null
  let next: string | null = null
  let timer: NodeJS.Timeout | null = null
  let closed = false

  const reloadOnce = async (trigger: string) => {
    let config: RuntimeConfig
    try {
      config = options.load(file)
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [String(error)]
      log.error(
        { file, trigger, problems },
        `config reload refused, the running instances stay as they are: ${problems.join('; ')}`,
      )
      return
    }
    try {
      await options.apply(config)
    } catch (error) {
      log.error({ file, trigger, err: String(error) }, 'config reload failed')
    }
  }

  const reload = (trigger: string) => {
    if (closed) return
    if (current !== null) {
      next = trigger
      return
    }
    current = reloadOnce(trigger).finally(() => {
      current = null
      const queued = next
      next = null
      if (queued !== null) reload(queued)
    })
  }

  let watcher: FSWatcher | null = null
  try {
    watcher = watch(dirname(file), (_event, name) => {
      if (name !== null && name !== basename(file)) return
      if (timer !== null) clearTimeout(timer)
      timer = setTimeout(() => {
        timer = null
        reload('file changed')
      }, RELOAD_DEBOUNCE_MS)
    })
    watcher.on('error', (error) => {
      log.warn({ file, err: String(error) }, 'no longer watching the config file; SIGHUP still reloads it')
      watcher?.close()
    })
  } catch (error) {
    log.warn({ file, err: String(error) }, 'cannot watch the config file; SIGHUP reloads it')
  }

  return {
    reload,
    close() {
      closed = true
      if (timer !== null) clearTimeout(timer)
      watcher?.close()
    },
  }
}
