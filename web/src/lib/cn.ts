/**
 * Joins class names (conditional ones included). Components keep their variants and overrides
 * apart, so no merging of conflicting utilities is needed.
 * @module
 */
import { type ClassValue, clsx } from 'clsx'

export function cn(...inputs: ClassValue[]): string {
  return clsx(inputs)
}
