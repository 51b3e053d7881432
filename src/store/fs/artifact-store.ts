import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { invalid } from '../../core/errors.ts';

/**
 * Artifacts live under one root folder. Every name is checked before it touches the filesystem: repeatedly URL-decoded, then
 * rejected if it holds `..`, an absolute path, a backslash, NUL, control characters, `#` or `;`, so no name can reach outside.
 */
export class FsArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The absolute path of a relative artifact name, after validation. */
  resolve(name: string): string {
    let decoded = name;
    for (let i = 0; i < 5; i++) {
      let next: string;
      try {
        next = decodeURIComponent(decoded);
      } catch {
        throw invalid(`artifact path "${name.slice(0, 80)}" has a malformed escape`);
      }
      if (next === decoded) break;
      decoded = next;
    }
    const normalized = decoded.normalize('NFKC');
    // eslint-disable-next-line no-control-regex
    if (normalized.length === 0 || isAbsolute(normalized) || /[\\#;\u0000-\u001f\u007f]/.test(normalized) || normalized.split('/').some((p) => p === '..' || p === '.' || p === '')) {
      throw invalid(`artifact path "${name.slice(0, 80)}" is not allowed (relative names of plain segments only)`);
    }
    const full = join(this.root, normalized);
    const rel = relative(this.root, full);
    if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) throw invalid(`artifact path "${name.slice(0, 80)}" leaves the store`);
    return full;
  }

  exists(name: string): boolean {
    return existsSync(this.resolve(name));
  }
}
