import type { IncomingHttpHeaders } from 'node:http';
import { CapstanError, notFound } from '../core/errors.ts';
import { loadVersion, type LoadedModel } from '../registry/index.ts';
import { ServedModel } from '../serve/index.ts';
import { allPages, pickRoute, SERVED_ALIAS, servesLatest, type ModelPolicy, type Stores, type TrafficSpec, type VersionPick } from '../store/index.ts';
import type { MaybePromise } from '../core/maybe-async.ts';

/** Which model answers a name (and optional version) on the inference routes. */
export interface ModelProvider {
  /** `headers` carry the sticky-routing key of a traffic split */
  get(name: string, version?: string, headers?: IncomingHttpHeaders): MaybePromise<ServedModel>;
  /** the shadow version of a bare name (sent a copy of each request), if its traffic split names one */
  shadow(name: string): Promise<ServedModel | null>;
  /** whether `shadow` can ever answer (the single-model server skips the lookup on its hot path) */
  readonly shadows: boolean;
  versions(name: string): Promise<string[]>;
  names(): Promise<string[]>;
  /** the model `POST /invocations` answers for without ?model= (the one model of `capstan serve`), else null */
  defaultName(): string | null;
}

/** `capstan serve REF`: exactly one model, loaded before the server listens. */
export class SingleModelProvider implements ModelProvider {
  readonly shadows = false;
  private readonly served: ServedModel;
  constructor(
    loaded: LoadedModel,
    private readonly name: string,
  ) {
    this.served = new ServedModel(loaded);
  }

  // synchronous: the one model is always in memory
  get(name: string, version?: string): ServedModel {
    if (name !== this.name) throw notFound(`model "${name.slice(0, 128)}" is not served here (serving "${this.name}")`);
    if (version !== undefined && version !== this.served.versionLabel) throw notFound(`model "${name}" version ${version.slice(0, 20)} is not served here`);
    return this.served;
  }

  async versions(): Promise<string[]> {
    return [this.served.versionLabel];
  }

  async shadow(): Promise<null> {
    return null;
  }

  async names(): Promise<string[]> {
    return [this.name];
  }

  defaultName(): string {
    return this.name;
  }
}

/**
 * `capstan server`: every registered model. A bare name follows the model's traffic split when it has one (weighted routes,
 * sticky key, shadow), else the `champion` alias, else (only when the policy leaves `champion` unprotected) the latest
 * version; aliases are resolved on each request so moving one takes effect at once, while bundles load once per version. A
 * version that fails to load leaves the last version that served the name answering, and is reported (once per version).
 */
export class RegistryModelProvider implements ModelProvider {
  readonly shadows = true;
  private readonly cache = new Map<string, Promise<ServedModel>>();
  private readonly lastGood = new Map<string, ServedModel>();
  private readonly reported = new Set<string>();
  private readonly routing = new Map<string, { at: number; model: Promise<{ traffic: TrafficSpec | null; policy: ModelPolicy } | null> }>();
  constructor(
    private readonly stores: Stores,
    private readonly report: (model: string, version: string, message: string) => void = () => undefined,
  ) {}

  /** A model's traffic split and policy, read at most once a second (a row read; the hot path should not wait on it). */
  private routingOf(name: string): Promise<{ traffic: TrafficSpec | null; policy: ModelPolicy } | null> {
    const hit = this.routing.get(name);
    if (hit && Date.now() - hit.at < 1000) return hit.model;
    const model = this.stores.metadata.models.getModel(name).then(
      (m) => ({ traffic: m.traffic, policy: m.policy }),
      () => null,
    );
    // names come from requests, existing or not: keep the cache bounded
    if (this.routing.size >= 1000) this.routing.clear();
    this.routing.set(name, { at: Date.now(), model });
    return model;
  }

  private async versionOf(name: string, p: VersionPick): Promise<number> {
    if ('version' in p) return p.version;
    const v = await this.stores.metadata.models.aliasVersion(name, p.alias);
    if (v === null) throw notFound(`alias "${p.alias}" of model "${name}" does not exist`);
    return v;
  }

  private async resolve(name: string, version?: string, headers?: IncomingHttpHeaders): Promise<string> {
    if (version !== undefined) {
      if (!/^[1-9][0-9]{0,8}$/.test(version)) throw new CapstanError('INVALID_ARGUMENT', 'version must be a positive integer');
      return `${name}:${version}`;
    }
    const routing = await this.routingOf(name);
    const spec = routing?.traffic;
    if (spec) {
      const key = spec.stickyHeader ? headers?.[spec.stickyHeader] : undefined;
      return `${name}:${await this.versionOf(name, pickRoute(spec, Array.isArray(key) ? key[0] : key))}`;
    }
    const champion = await this.stores.metadata.models.aliasVersion(name, SERVED_ALIAS);
    if (champion !== null) return `${name}:${champion}`;
    // a model that does not exist is a 404 from the store
    if (routing && !servesLatest(routing.policy)) {
      throw notFound(`model "${name}" has no ${SERVED_ALIAS} to answer its bare name: approve a version for ${SERVED_ALIAS} and move the alias (capstan models approve / alias), or call a version (/v2/models/${name}/versions/N/infer)`);
    }
    return `${name}:${(await this.stores.metadata.models.latestVersion(name)).version}`;
  }

  /**
   * A registered version, loaded once. The reference is always NAME:VERSION of a version the store knows (never a path), so
   * the cache holds at most one entry per registered version.
   */
  private load(ref: string): Promise<ServedModel> {
    let p = this.cache.get(ref);
    if (!p) {
      const colon = ref.lastIndexOf(':');
      p = this.stores.metadata.models.getVersion(ref.slice(0, colon), Number(ref.slice(colon + 1))).then(async (v) => new ServedModel(await loadVersion(this.stores, v)));
      this.cache.set(ref, p);
      // a version that does not exist is forgotten at once; a failed load is tried again later (the bundle may be repaired)
      p.catch((e: unknown) => (e instanceof CapstanError && e.code === 'NOT_FOUND' ? this.cache.delete(ref) : setTimeout(() => this.cache.delete(ref), 5_000).unref()));
    }
    return p;
  }

  private reportOnce(model: string, version: string, message: string): void {
    const key = `${model}:${version}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.report(model, version, message);
  }

  async get(name: string, version?: string, headers?: IncomingHttpHeaders): Promise<ServedModel> {
    const ref = await this.resolve(name, version, headers);
    try {
      const served = await this.load(ref);
      if (version === undefined) this.lastGood.set(name, served);
      return served;
    } catch (e) {
      const last = version === undefined ? this.lastGood.get(name) : undefined;
      if (e instanceof CapstanError && e.code === 'NOT_FOUND') throw e;
      if (!last) {
        this.reportOnce(name, ref.slice(name.length + 1), `${ref} failed to load: ${(e as Error).message}`);
        throw new CapstanError('UNAVAILABLE', `model ${ref} cannot be loaded (reported in the server log)`);
      }
      this.reportOnce(name, ref.slice(name.length + 1), `${ref} failed to load (${(e as Error).message}); version ${last.versionLabel} keeps serving ${name}`);
      return last;
    }
  }

  async shadow(name: string): Promise<ServedModel | null> {
    const spec = (await this.routingOf(name))?.traffic;
    if (!spec?.shadow) return null;
    return this.load(`${name}:${await this.versionOf(name, spec.shadow)}`);
  }

  async versions(name: string): Promise<string[]> {
    return (await allPages((cursor) => this.stores.metadata.models.listVersions(name, { cursor, limit: 1000 }))).map((v) => String(v.version));
  }

  defaultName(): null {
    return null;
  }

  async names(): Promise<string[]> {
    return (await allPages((cursor) => this.stores.metadata.models.listModels({ cursor, limit: 1000 }))).map((m) => m.name);
  }
}
