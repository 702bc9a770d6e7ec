/**
 * The capability descriptors this connector answers hellos with (docs/relay-contract.md §3). A platform
 * it has never heard of still gets a conservative descriptor, so any gateway can handshake.
 * @module
 */
import {
  type CapabilityDescriptor,
  CapabilityDescriptorSchema,
  CONTRACT_VERSION,
} from '@relay-console/shared/relay/frame-schemas'

const LEGACY_OPS = ['send', 'edit', 'typing', 'follow_up']
const RICH_OPS = [...LEGACY_OPS, 'send_media', 'react', 'thread_create', 'thread_rename', 'get_chat_info', 'prompt']

type Entry = Omit<CapabilityDescriptor, 'contract_version' | 'platform'>

const CATALOGUE: Record<string, Entry> = {
  discord: {
    label: 'Discord',
    emoji: '🎮',
    max_message_length: 2000,
    supports_draft_streaming: true,
    supports_edit: true,
    supports_threads: true,
    markdown_dialect: 'discord',
    len_unit: 'chars',
    supported_ops: RICH_OPS,
  },
  telegram: {
    label: 'Telegram',
    emoji: '✈️',
    max_message_length: 4096,
    supports_draft_streaming: true,
    supports_edit: true,
    supports_threads: true,
    markdown_dialect: 'telegram_html',
    len_unit: 'utf16',
    supported_ops: RICH_OPS,
  },
  slack: {
    label: 'Slack',
    emoji: '💼',
    max_message_length: 40000,
    supports_draft_streaming: false,
    supports_edit: true,
    supports_threads: true,
    markdown_dialect: 'slack_mrkdwn',
    len_unit: 'chars',
    supported_ops: RICH_OPS,
  },
  whatsapp: {
    label: 'WhatsApp',
    emoji: '📱',
    max_message_length: 4096,
    supports_draft_streaming: false,
    supports_edit: false,
    supports_threads: false,
    markdown_dialect: 'whatsapp',
    len_unit: 'utf16',
    supported_ops: ['send', 'typing', 'send_media', 'react'],
  },
  matrix: {
    label: 'Matrix',
    emoji: '🧩',
    max_message_length: 32000,
    supports_draft_streaming: false,
    supports_edit: true,
    supports_threads: true,
    markdown_dialect: 'markdown',
    len_unit: 'chars',
    supported_ops: RICH_OPS,
  },
}

export function descriptorFor(platform: string): CapabilityDescriptor {
  const entry = CATALOGUE[platform]
  if (entry !== undefined) return { contract_version: CONTRACT_VERSION, platform, ...entry }
  // A platform it has never heard of: the contract's defaults for every capability, under its own name.
  return CapabilityDescriptorSchema.parse({ platform, label: platform, supported_ops: LEGACY_OPS })
}

/** Whether a platform's descriptor advertises an op (an empty list means the legacy set). */
export function supportsOp(descriptor: CapabilityDescriptor, op: string): boolean {
  const ops = descriptor.supported_ops.length === 0 ? LEGACY_OPS : descriptor.supported_ops
  return ops.includes(op) || (op === 'draft' && descriptor.supports_draft_streaming)
}
