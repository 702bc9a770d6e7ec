/**
 * Hands the browser a file made on the page (an export), through a temporary object URL.
 * @module
 */
export function downloadText(filename: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  link.click()
  // After the click has been handled: the download has its own reference by then.
  setTimeout(() => URL.revokeObjectURL(url), 0)
}

/** `relay-console-instances-20261129-1110`: sorts by time, safe on every file system. */
export function exportName(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `relay-console-instances-${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}`
}
