/**
 * The operators of the cluster run: opt-outs and opt-ins through random replicas
 * (`PUT /api/instances/:id/relay` with the bearer), and what each answer entitles the run to
 * expect. An instance's intended state is its last successful request's; an answer that leaves
 * the outcome open (no answer, a 5xx, two 200s of a racing pair) makes it unsure, and it is left
 * alone until the faults are over. Every request is kept, to be found in the audit later.
 * @module
 */
import { TOKENS } from '@relay-console/testkit/tokens'

export interface Tracked {
  id: string
  gatewayId: string
  /** `optedIn` as the last successful request left it (everything starts opted in). */
  intended: boolean
  /** False once an answer left the outcome open. */
  sure: boolean
  /** A request about it is in flight. */
  busy: boolean
  /** When a request about it was last sent or answered. */
  touchedAt: number
}

/**
 * `single`: the opposite of the intended state; `follow`: the opposite again, at once, through
 * another replica (it must not read a stale view); `pair`: two opposite requests through two
 * replicas a few ms apart (one supersedes the other: 409); `fix`: after the faults, settles an
 * unsure instance.
 */
export type RequestKind = 'single' | 'follow' | 'pair' | 'fix'

export interface RequestRecord {
  instanceId: string
  optedIn: boolean
  replica: string
  kind: RequestKind
  sentAt: number
  answeredAt: number
  /** 0: no answer (the connection broke, a replica died under it). */
  status: number
  /** The API error code, or why there was no answer. */
  code: string | null
  /** A 200 whose audit entry must be there, `ok`. */
  audited: boolean
}

export interface RequestTarget {
  name: string
  url: string
}

const HEADERS = { authorization: `Bearer ${TOKENS.RELAY_CONSOLE_TOKEN}`, 'content-type': 'application/json' }

/** One PUT; never throws. A request waits for the holder of its instance, so the timeout is long. */
export async function putRelay(
  target: RequestTarget,
  id: string,
  optedIn: boolean,
): Promise<{ status: number; code: string | null }> {
  try {
    const res = await fetch(`${target.url}/api/instances/${id}/relay`, {
      method: 'PUT',
      headers: HEADERS,
      body: JSON.stringify({ optedIn }),
      signal: AbortSignal.timeout(120_000),
    })
    const text = await res.text()
    let code: string | null = null
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null
    } catch {
      // not JSON: the status says enough
    }
    return { status: res.status, code }
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause
    return { status: 0, code: cause?.code ?? (error as Error).name }
  }
}

export interface OperatorOptions {
  random: () => number
  /** A running replica to send to, other than `avoid` if there is one. */
  pick(avoid?: string): RequestTarget | null
}

export class Operators {
  readonly records: RequestRecord[] = []
  /** Requests sent and not answered yet. */
  readonly open = new Set<Omit<RequestRecord, 'answeredAt' | 'status' | 'code' | 'audited'>>()
  readonly inflight = new Set<Promise<void>>()
  /** Pairs whose both requests were refused 409: nobody's request stood. */
  readonly bothSuperseded: string[] = []

  constructor(
    readonly tracked: ReadonlyMap<string, Tracked>,
    readonly options: OperatorOptions,
  ) {}

  async #send(t: Tracked, optedIn: boolean, target: RequestTarget, kind: RequestKind): Promise<RequestRecord> {
    const sentAt = Date.now()
    t.touchedAt = sentAt
    const open = { instanceId: t.id, optedIn, replica: target.name, kind, sentAt }
    this.open.add(open)
    const { status, code } = await putRelay(target, t.id, optedIn)
    this.open.delete(open)
    const answeredAt = Date.now()
    t.touchedAt = answeredAt
    const record: RequestRecord = {
      instanceId: t.id,
      optedIn,
      replica: target.name,
      kind,
      sentAt,
      answeredAt,
      status,
      code,
      audited: status === 200 && kind !== 'fix',
    }
    this.records.push(record)
    return record
  }

  /** Runs one exchange about `t` in the background (it is busy until it ends). */
  #track(t: Tracked, work: () => Promise<void>): void {
    t.busy = true
    const run = work().finally(() => {
      t.busy = false
      this.inflight.delete(run)
    })
    this.inflight.add(run)
  }

  /** The opposite of its intended state; on success, sometimes the opposite again through another replica. */
  single(t: Tracked, target: RequestTarget, followChance: number): void {
    this.#track(t, async () => {
      let last = await this.#send(t, !t.intended, target, 'single')
      while (last.status === 200) {
        t.intended = last.optedIn
        if (this.options.random() >= followChance) return
        const next = this.options.pick(last.replica)
        if (next === null) return
        last = await this.#send(t, !t.intended, next, 'follow')
      }
      t.sure = false
    })
  }

  /** Two opposite requests a few ms apart through two replicas: the later one written stands. */
  pair(t: Tracked, first: RequestTarget, second: RequestTarget, gapMs: number): void {
    this.#track(t, async () => {
      const was = t.intended
      const a = this.#send(t, !was, first, 'pair')
      await new Promise((r) => setTimeout(r, gapMs))
      const b = this.#send(t, was, second, 'pair')
      const [ra, rb] = await Promise.all([a, b])
      // If `b` was a no-op (its replica saw nothing pending yet), it wrote no entry.
      rb.audited = rb.status === 200 && ra.status === 409
      if (ra.status === 409 && rb.status === 200) t.intended = was
      else if (ra.status === 200 && rb.status === 409) t.intended = !was
      else {
        if (ra.status === 409 && rb.status === 409) this.bothSuperseded.push(t.id)
        t.sure = false
      }
    })
  }

  /** After the faults: makes an unsure instance sure again (must answer 200). */
  async fix(t: Tracked, target: RequestTarget, optedIn: boolean): Promise<RequestRecord> {
    t.busy = true
    try {
      const record = await this.#send(t, optedIn, target, 'fix')
      if (record.status === 200) {
        t.intended = optedIn
        t.sure = true
      }
      return record
    } finally {
      t.busy = false
    }
  }

  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all(this.inflight)
  }
}
