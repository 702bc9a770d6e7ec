/**
 * A platform's icon, bundled: brand marks from Simple Icons (CC0) for the platforms it has, a
 * Lucide glyph for Slack (whose mark Simple Icons may not carry). Only a platform the console has
 * no icon for shows the descriptor's emoji, and one without either a neutral chat glyph, so no
 * card depends on the machine having an emoji font.
 * @module
 */
import { Hash, type LucideIcon, MessageSquare } from 'lucide-react'
import discord from 'simple-icons/icons/discord.svg?raw'
import googlechat from 'simple-icons/icons/googlechat.svg?raw'
import line from 'simple-icons/icons/line.svg?raw'
import matrix from 'simple-icons/icons/matrix.svg?raw'
import mattermost from 'simple-icons/icons/mattermost.svg?raw'
import messenger from 'simple-icons/icons/messenger.svg?raw'
import rocketchat from 'simple-icons/icons/rocketdotchat.svg?raw'
import signal from 'simple-icons/icons/signal.svg?raw'
import telegram from 'simple-icons/icons/telegram.svg?raw'
import whatsapp from 'simple-icons/icons/whatsapp.svg?raw'
import zulip from 'simple-icons/icons/zulip.svg?raw'
import { cn } from '../lib/cn'

/** The path of a Simple Icons file (one path on a 24×24 box): ours, bundled, never from the wire. */
const pathOf = (svg: string) => /<path d="([^"]+)"/.exec(svg)?.[1] ?? ''

const BRANDS: Readonly<Record<string, string>> = {
  discord: pathOf(discord),
  googlechat: pathOf(googlechat),
  line: pathOf(line),
  matrix: pathOf(matrix),
  mattermost: pathOf(mattermost),
  messenger: pathOf(messenger),
  rocketchat: pathOf(rocketchat),
  signal: pathOf(signal),
  telegram: pathOf(telegram),
  whatsapp: pathOf(whatsapp),
  zulip: pathOf(zulip),
}

const GLYPHS: Readonly<Record<string, LucideIcon>> = { slack: Hash }

/** How a platform's icon is drawn: which source it comes from (`data-icon` says it, for tests). */
export type PlatformIconSource = 'brand' | 'glyph' | 'emoji' | 'generic'

export function platformIconSource(platform: string, emoji: string | null): PlatformIconSource {
  const key = platform.toLowerCase()
  if (BRANDS[key] !== undefined) return 'brand'
  if (GLYPHS[key] !== undefined) return 'glyph'
  return emoji !== null && emoji !== '' ? 'emoji' : 'generic'
}

export function PlatformIcon({
  platform,
  emoji,
  className,
}: {
  platform: string
  emoji: string | null
  className?: string
}) {
  const key = platform.toLowerCase()
  const source = platformIconSource(platform, emoji)
  const common = { 'aria-hidden': true, 'data-testid': 'platform-icon', 'data-icon': source } as const
  switch (source) {
    case 'brand':
      return (
        <svg
          {...common}
          aria-hidden="true"
          viewBox="0 0 24 24"
          fill="currentColor"
          className={cn('size-4 shrink-0', className)}
        >
          <path d={BRANDS[key]} />
        </svg>
      )
    case 'glyph': {
      const Glyph = GLYPHS[key] ?? MessageSquare
      return <Glyph {...common} className={cn('size-4 shrink-0', className)} />
    }
    case 'emoji':
      return (
        <span {...common} className={cn('inline-block w-4 shrink-0 text-center leading-4', className)}>
          {emoji}
        </span>
      )
    case 'generic':
      return <MessageSquare {...common} className={cn('size-4 shrink-0', className)} />
  }
}
