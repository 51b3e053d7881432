import { CapstanError, notFound } from '../core/errors.ts';
import { loadModel, type LoadedModel } from '../registry/index.ts';
import { ServedModel } from '../serve/index.ts';
import { allPages, type Stores } from '../store/index.ts';

/** Which model answers a name (and optional version) on the inference routes. */
export interface ModelProvider {
  get(name: string, version?: string): Promise<ServedModel>;
  versions(name: string): Promise<string[]>;
  names(): Promise<string[]>;
  /** the model `POST /invocations` answers for without ?model= (the one model of `capstan serve`), else null */
  defaultName(): string | null;
}

/** `capstan serve REF`: exactly one model, loaded before the server listens. */
export class SingleModelProvider implements ModelProvider {
  private readonly served: ServedModel;
  constructor(
    loaded: LoadedModel,
    private readonly name: string,
  ) {
    this.served = new ServedModel(loaded);
  }

  async get(name: string, version?: string): Promise<ServedModel> {
    if (name !== this.name) throw notFound(`model "${name.slice(0, 128)}" is not served here (serving "${this.name}")`);
    if (version !== undefined && version !== this.served.versionLabel) throw notFound(`model "${name}" version ${version.slice(0, 20)} is not served here`);
    return this.served;
  }

  async versions(): Promise<string[]> {
    return [this.served.versionLabel];
  }

  async names(): Promise<string[]> {
    return [this.name];
  }

  defaultName(): string {
    return this.name;
  }
}

/**
 * `capstan server`: every registered model. A bare name means the `champion` alias, or the latest version without one; the
 * alias is resolved on each request so moving it takes effect at once, while bundles load once per version.
 */
export class RegistryModelProvider implements ModelProvider {
  private readonly cache = new Map<string, Promise<ServedModel>>();
  constructor(private readonly stores: Stores) {}

  private async resolve(name: string, version?: string): Promise<string> {
    if (version !== undefined) {
      if (!/^[1-9][0-9]{0,8}$/.test(version)) throw new CapstanError('INVALID_ARGUMENT', 'version must be a positive integer');
      return `${name}:${version}`;
    }
    const champion = await this.stores.metadata.models.aliasVersion(name, 'champion');
    // without a champion, the latest version answers (and a model that does not exist is a 404 from the store)
    return `${name}:${champion ?? (await this.stores.metadata.models.latestVersion(name)).version}`;
  }

  async get(name: string, version?: string): Promise<ServedModel> {
    const ref = await this.resolve(name, version);
    let p = this.cache.get(ref);
    if (!p) {
      p = loadModel(this.stores, ref).then((l) => new ServedModel(l));
      this.cache.set(ref, p);
      p.catch(() => this.cache.delete(ref));
    }
    return p;
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
