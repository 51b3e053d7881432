import type { MetadataStore } from '../metadata-store.ts';
import type { Principal } from '../types.ts';

export interface ConformanceOptions {
  /**
   * The store acting as someone: local stores take the actor as an argument and return themselves; the SDK returns a client
   * holding that principal's token (the server decides who is calling).
   */
  as?: (s: MetadataStore, who: Principal) => Promise<MetadataStore>;
  /** false for remote stores, which do not offer step records and digest-only artifact entries */
  local?: boolean;
  /**
   * A model bundle for a new version: where it is and its digest. Local stores record what they are told; a server reads the
   * bundle at `source` in its artifact store and refuses a version whose bundle is missing or has another digest, so its
   * backend writes a real one there.
   */
  bundle?: (name: string, key: string) => Promise<{ source: string; digest: string }>;
}

/** What each group of conformance cases works with: the store under test (opened before the first case) and the options. */
export interface ConformanceContext {
  store: () => MetadataStore;
  /** the store acting as someone (see ConformanceOptions.as) */
  as: (who: Principal) => Promise<MetadataStore>;
  bundle: (name: string, key: string) => Promise<{ source: string; digest: string }>;
  admin: Principal;
  /** false for remote stores (see ConformanceOptions.local) */
  local: boolean;
}
