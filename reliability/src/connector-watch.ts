/**
 * The connector's side of the cluster run: its admin API read over and over (every ~150 ms), so
 * at every sampled moment no gateway has more than one authenticated socket, and every supersede
 * (an older socket closed 4409 because a newer one of the same gateway authenticated: two
 * replicas dialled one instance) is seen with the interval it happened in.
 * @module
 */
import type { AdminInstanceView } from '@relay-console/connector'
import type { AdminCall } from '@relay-console/testkit/connector-admin'
import { sleep } from '@relay-console/testkit/time'

/** Supersedes of one gateway seen between two samples. */
export interface SupersedeSeen {
  gatewayId: string
  count: number
  /** The sample before, and the one that saw it: it happened in between. */
  after: number
  by: number
}

export interface ConnectorSample {
  at: number
  views: Map<string, AdminInstanceView>
}

export class ConnectorWatch {
  samples = 0
  maxConnections = 0
  maxPeak = 0
  readonly supersedes: SupersedeSeen[] = []
  latest: ConnectorSample | null = null
  #running = false
  #loop: Promise<void> | null = null
  #listeners = new Set<(sample: ConnectorSample) => void>()

  constructor(
    readonly admin: AdminCall,
    readonly violate: (what: string) => void,
    readonly intervalMs = 150,
  ) {}

  start(): void {
    this.#running = true
    this.#loop = (async () => {
      while (this.#running) {
        await this.sample()
        await sleep(this.intervalMs)
      }
    })()
  }

  async sample(): Promise<ConnectorSample> {
    const { instances } = await this.admin<{ instances: AdminInstanceView[] }>('GET', '/instances')
    const at = Date.now()
    const views = new Map(instances.map((v) => [v.gatewayId, v]))
    const before = this.latest
    for (const v of instances) {
      this.maxConnections = Math.max(this.maxConnections, v.connections)
      this.maxPeak = Math.max(this.maxPeak, v.peakConnections)
      if (v.connections > 1) this.violate(`${v.gatewayId}: ${v.connections} authenticated sockets at once`)
      const was = before?.views.get(v.gatewayId)?.supersededTotal ?? 0
      if (v.supersededTotal > was) {
        this.supersedes.push({ gatewayId: v.gatewayId, count: v.supersededTotal - was, after: before?.at ?? 0, by: at })
      }
    }
    this.samples += 1
    const sample = { at, views }
    this.latest = sample
    for (const listener of this.#listeners) listener(sample)
    return sample
  }

  /** Hands every sample to `listener` until the returned function is called. */
  onSample(listener: (sample: ConnectorSample) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Resolves with the time of the first sample for which `check` holds; null after `timeoutMs`. */
  until(check: (sample: ConnectorSample) => boolean, timeoutMs: number): Promise<number | null> {
    return new Promise((resolve) => {
      const listener = (sample: ConnectorSample) => {
        if (!check(sample)) return
        finish(sample.at)
      }
      const finish = (at: number | null) => {
        clearTimeout(timer)
        this.#listeners.delete(listener)
        resolve(at)
      }
      const timer = setTimeout(() => finish(null), timeoutMs)
      this.#listeners.add(listener)
    })
  }

  get supersededTotal(): number {
    return this.supersedes.reduce((sum, s) => sum + s.count, 0)
  }

  async stop(): Promise<void> {
    this.#running = false
    await this.#loop
  }
}
