/**
 * The `dmaScope.maxFileSize` limit of the extension's own parsing (the replay, headers), as a pure
 * function (no `vscode`) the unit tests exercise. The exclude globs are the language server's
 * (src/analysis/settings.ts).
 */

/** A document of `chars` characters is analysed only when it is not over `maxFileSize`. */
export function withinSizeLimit(chars: number, maxFileSize: number): boolean {
  return chars <= maxFileSize;
}
