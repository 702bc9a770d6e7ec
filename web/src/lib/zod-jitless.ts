/**
 * Zod without code generation (docs/api.md, "Security headers"). The console's policy forbids
 * eval, and Zod would otherwise probe `new Function` as the first object schema is built: the
 * browser reports that as a violation even though Zod catches the refusal. The entry imports this
 * module before any other, so it runs before any schema exists.
 * @module
 */
import { z } from 'zod'

z.config({ jitless: true })
