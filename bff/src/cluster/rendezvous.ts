/**
 * Which live replica should hold an instance: rendezvous (highest-random-weight) hashing. Every
 * replica computes the same answer from the same list of live replicas, each gets an even share,
 * and when a replica joins or leaves only the instances it wins or held move: a joining replica
 * takes about 1/(n+1) of them, from every other replica alike, and nothing else changes hands.
 *
 * The weight of a pair is a 32-bit mix of the two ids' 32-bit hashes; each id is hashed once per
 * call, so 30,000 instances over 4 replicas cost about 120,000 integer mixes. The hash is part of
 * the cluster's protocol: replicas running different hashes would disagree (safely, since leases
 * decide, but with churn), so it must never change between versions.
 * @module
 */

/** The 32-bit murmur3 finaliser: every input bit flips about half of the output bits. */
function fmix32(h: number): number {
  let x = h ^ (h >>> 16)
  x = Math.imul(x, 0x85ebca6b)
  x ^= x >>> 13
  x = Math.imul(x, 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** A stable 32-bit hash of a string's UTF-16 code units (FNV-1a steps, then the murmur3 finaliser). */
export function hashId(id: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) {
    h = Math.imul(h ^ id.charCodeAt(i), 0x01000193)
  }
  return fmix32(h ^ id.length)
}

/** The weight of `instance` on `replica`, from their {@link hashId}s. */
export function weight(instanceHash: number, replicaHash: number): number {
  return fmix32((fmix32(instanceHash ^ replicaHash) + Math.imul(replicaHash, 0x9e3779b1)) | 0)
}

interface Candidate {
  id: string
  hash: number
}

const candidates = (replicaIds: readonly string[]): Candidate[] =>
  [...new Set(replicaIds)].map((id) => ({ id, hash: hashId(id) }))

function winner(instanceHash: number, replicas: readonly Candidate[]): string | undefined {
  let best: Candidate | undefined
  let bestWeight = -1
  for (const r of replicas) {
    const w = weight(instanceHash, r.hash)
    // A tie (1 in 2^32) goes to the smaller id, so every replica still agrees.
    if (w > bestWeight || (w === bestWeight && best !== undefined && r.id < best.id)) {
      best = r
      bestWeight = w
    }
  }
  return best?.id
}

/** The replica that should hold `instanceId`, or undefined when no replica is live. */
export function ownerOf(instanceId: string, liveReplicaIds: readonly string[]): string | undefined {
  return winner(hashId(instanceId), candidates(liveReplicaIds))
}

/** The instances among `instanceIds` that `self` should hold, given the live replicas (`self` among them or not). */
export function desiredFor(
  self: string,
  instanceIds: Iterable<string>,
  liveReplicaIds: readonly string[],
): Set<string> {
  const replicas = candidates([...liveReplicaIds, self])
  const desired = new Set<string>()
  for (const id of instanceIds) {
    if (winner(hashId(id), replicas) === self) desired.add(id)
  }
  return desired
}
