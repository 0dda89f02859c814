/**
 * Which documents the extension checks: the `dmaScope.exclude` globs and the `dmaScope.maxFileSize`
 * limit, as pure functions (no `vscode`), so the unit tests can exercise them.
 */

import { globToRegExp } from '../analysis/config';
import { isExcluded as excludedBy } from '../analysis/settings';

export { globToRegExp };

/**
 * Is a document excluded by one of the globs? Each glob is tried on the workspace-relative path
 * (backslashes turned into slashes) and on the URI's path.
 */
export function isExcluded(relativePath: string, uriPath: string, globs: readonly string[]): boolean {
  return excludedBy(globs, relativePath, uriPath);
}

/** A document of `chars` characters is analysed only when it is not over `maxFileSize`. */
export function withinSizeLimit(chars: number, maxFileSize: number): boolean {
  return chars <= maxFileSize;
}
