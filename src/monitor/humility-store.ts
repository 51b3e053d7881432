import { invalid } from '../core/errors.ts';
import { loadVersion } from '../registry/index.ts';
import type { Stores } from '../store/index.ts';
import { HUMILITY_TAG, parseHumilityRules, type HumilityRule } from './humility.ts';

/** A model version's humility rules as set (its tag), checked against its bundle; none: an empty list. */
export async function versionHumility(stores: Stores, name: string, version: number): Promise<HumilityRule[]> {
  const v = await stores.metadata.models.getVersion(name, version);
  const text = v.tags[HUMILITY_TAG];
  if (!text) return [];
  const loaded = await loadVersion(stores, v);
  try {
    return parseHumilityRules(JSON.parse(text), loaded.manifest);
  } catch (e) {
    throw invalid(`model "${name}" version ${version}: its humility rules no longer parse (${(e as Error).message}): set them again`);
  }
}

/**
 * Set (a list of rules) or clear (null) a version's humility rules: checked against the version's signature and task first,
 * then kept as its `humility` tag (audited). Servers apply them when they next load the version. Returns the rules as parsed.
 */
export async function setVersionHumility(stores: Stores, name: string, version: number, doc: unknown, actor: string): Promise<HumilityRule[]> {
  const v = await stores.metadata.models.getVersion(name, version);
  const rules = doc === null ? [] : parseHumilityRules(doc, (await loadVersion(stores, v)).manifest);
  // the document as given (not as parsed): `majority` stays `majority`, resolved again from the bundle when loaded
  await stores.metadata.models.setVersionTag(name, version, HUMILITY_TAG, doc === null ? '' : JSON.stringify(doc), actor);
  return rules;
}
