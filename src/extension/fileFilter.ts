/**
 * Which documents the extension checks: the `dmaScope.exclude` globs and the `dmaScope.maxFileSize`
 * limit, as pure functions (no `vscode`), so the unit tests can exercise them.
 */

/** Simple glob matcher for dmaScope.exclude (`**`, `*`, `?`), anchored at a path-segment boundary. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
        if (glob[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`(^|/)${re}$`);
}

/**
 * Is a document excluded by one of the globs? Each glob is tried on the workspace-relative path
 * (backslashes turned into slashes) and on the URI's path.
 */
export function isExcluded(relativePath: string, uriPath: string, globs: readonly string[]): boolean {
  if (!globs.length) return false;
  const rel = relativePath.replace(/\\/g, '/');
  return globs.some((g) => {
    const re = globToRegExp(g);
    return re.test(rel) || re.test(uriPath);
  });
}

/** A document of `chars` characters is analysed only when it is not over `maxFileSize`. */
export function withinSizeLimit(chars: number, maxFileSize: number): boolean {
  return chars <= maxFileSize;
}
