import { createHash } from 'node:crypto';
import { blobName, type ArtifactStore } from '../../store/index.ts';
import { isFileRef, isModelRef } from '../components/index.ts';
import { MANIFEST_FILE } from '../../registry/bundle/files.ts';

/** A reused step: the outputs an identical earlier step produced, and which run produced them. */
export interface CacheEntry {
  key: string;
  outputs: Record<string, unknown>;
  createdAt: number;
  /** the step run that computed the outputs */
  runId: string;
}

/** Stable JSON: object keys sorted, so equal values hash equally. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * A step's cache key: what it runs (a component's name and version, or a command's arguments and the content of the files
 * they name) and every input value (files and models by their content digests).
 */
export function cacheKey(code: string, inputs: Record<string, unknown>): string {
  return createHash('sha256').update(code).update('\n').update(canonical(inputs)).digest('hex');
}

/** Every file and model an output value holds (lists included). */
function artifactsOf(v: unknown): string[] {
  if (isFileRef(v)) return [blobName(v.blob)];
  if (isModelRef(v)) return [`${v.bundle}/${MANIFEST_FILE}`];
  if (Array.isArray(v)) return v.flatMap(artifactsOf);
  return [];
}

/**
 * Cached step outputs, kept in the artifact store next to the artifacts they name (so every worker sharing the store shares
 * the cache). An entry is used only while it is younger than the time to live and every artifact it names still exists.
 */
export class StepCache {
  constructor(private readonly artifacts: ArtifactStore) {}

  private name(key: string): string {
    return `pipeline-cache/${key.slice(0, 2)}/${key}.json`;
  }

  async get(key: string, ttlSeconds: number | undefined, now = Date.now()): Promise<CacheEntry | null> {
    const name = this.name(key);
    if (!(await this.artifacts.exists(name))) return null;
    let entry: CacheEntry;
    try {
      entry = JSON.parse((await this.artifacts.get(name)).toString('utf8')) as CacheEntry;
    } catch {
      return null;
    }
    if (entry.key !== key) return null;
    if (ttlSeconds !== undefined && now - entry.createdAt > ttlSeconds * 1000) return null;
    for (const a of Object.values(entry.outputs).flatMap(artifactsOf)) if (!(await this.artifacts.exists(a))) return null;
    return entry;
  }

  async put(entry: CacheEntry): Promise<void> {
    await this.artifacts.put(this.name(entry.key), Buffer.from(JSON.stringify(entry)));
  }
}
