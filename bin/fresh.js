// Whether the compiled build in dist/ may run: it is complete (dist/.built, written last by scripts/build.mjs) and newer
// than every file under src/. An edit or a checkout after the build makes it stale, and the CLI then runs the sources.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** @param {string} root the package's directory */
export function builtIsFresh(root) {
  let built;
  try {
    built = statSync(join(root, 'dist', '.built')).mtimeMs;
  } catch {
    return false;
  }
  for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(join(entry.parentPath, entry.name)).mtimeMs > built) return false;
  }
  return true;
}
