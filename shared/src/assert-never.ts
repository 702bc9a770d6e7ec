/**
 * The end of every exhaustive `switch` over one of our unions: adding a member without handling
 * it fails to compile.
 * @module
 */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`)
}
