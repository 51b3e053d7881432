import { after, before, describe } from 'node:test';
import type { MetadataStore } from './metadata-store.ts';
import type { ConformanceContext, ConformanceOptions } from './conformance/context.ts';
import { operationsCases } from './conformance/operations.ts';
import { registryCases } from './conformance/registry.ts';
import { trackingCases } from './conformance/tracking.ts';

export type { ConformanceOptions } from './conformance/context.ts';

/**
 * The behaviour every MetadataStore backend must show, run against SQLite, PostgreSQL and the SDK over REST: one store for
 * all the cases, in groups by concern (conformance/). `open` gives a fresh, empty store each time it is called.
 */
export function metadataStoreConformance(label: string, open: () => Promise<MetadataStore>, opts: ConformanceOptions = {}): void {
  describe(`MetadataStore conformance: ${label}`, () => {
    let s: MetadataStore | null = null;
    before(async () => {
      s = await open();
    });
    after(async () => {
      await s?.close();
    });
    const store = () => {
      if (s === null) throw new Error('the store under test is not open yet');
      return s;
    };
    const c: ConformanceContext = {
      store,
      as: (who) => (opts.as ? opts.as(store(), who) : Promise.resolve(store())),
      bundle: opts.bundle ?? (async (name, key) => ({ source: `models/${name}/${key}`, digest: `d-${key}` })),
      admin: { name: 'alice', role: 'admin' },
      local: opts.local !== false,
    };
    trackingCases(c);
    registryCases(c);
    operationsCases(c);
  });
}
