/**
 * Bodies of the connector's HTTP routes (docs/relay-contract.md §6), as a gateway sends and reads them.
 * @module
 */
import { z } from 'zod'

export const ProvisionRequestSchema = z.object({
  gatewayId: z.string().min(1),
  platform: z.string().min(1),
  botId: z.string(),
  gatewayEndpoint: z.string(),
  routeKeys: z.array(z.string()),
  instanceId: z.string().optional(),
  displayName: z.string().optional(),
})
export type ProvisionRequest = z.infer<typeof ProvisionRequestSchema>

/**
 * `secretIssued: false` without a secret is valid: the connector withheld it, and it never wipes a
 * secret in hand. A reply with neither a secret nor `secretIssued` is malformed
 * (docs/relay-contract.md §6).
 */
export const ProvisionResponseSchema = z
  .looseObject({
    secret: z.string().min(1).optional(),
    deliveryKey: z.string().optional(),
    tenant: z.string().optional(),
    gatewayId: z.string().optional(),
    routeKeys: z.array(z.string()).optional(),
    secretIssued: z.boolean().optional(),
  })
  .refine((r) => r.secret !== undefined || r.secretIssued !== undefined, { message: 'no secret' })
export type ProvisionResponse = z.infer<typeof ProvisionResponseSchema>

/** What a connector answers on error: `{"error": "…"}` (anything else is reported by status). */
export const ConnectorErrorSchema = z.looseObject({ error: z.string() })
