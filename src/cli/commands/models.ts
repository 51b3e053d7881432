import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { invalid, notFound } from '../../core/errors.ts';
import { importOnnxModel, type BundleManifest } from '../../registry/index.ts';
import { parseTraffic, TRAFFIC_TAG } from '../../serve/index.ts';
import { allPages } from '../../store/index.ts';
import { localActor, parseIntOption, stores } from '../common.ts';
import { printJson, remoteOptions, table, withTarget, type TargetOptions } from '../target.ts';

function parseVersionRef(ref: string): { name: string; version: number } {
  const m = /^(.+):([0-9]+)$/.exec(ref);
  if (!m) throw invalid(`"${ref.slice(0, 80)}" must be NAME:VERSION, e.g. churn:3`);
  return { name: m[1], version: parseIntOption('version', m[2], 1, 2 ** 31) };
}

export function modelsCommand(program: Command): void {
  const models = program.command('models').description('the model registry');
  remoteOptions(models.command('list'))
    .description('registered models with their latest version and aliases')
    .action(async (o: TargetOptions) => {
      await withTarget(o, async (store) => {
        const list = await allPages((cursor) => store.models.listModels({ cursor, limit: 1000 }));
        if (o.json) return printJson({ models: list });
        if (list.length === 0) return void process.stdout.write('no registered models (train one with: capstan train FILE --target COL --register NAME)\n');
        process.stdout.write(table([['NAME', 'LATEST', 'ALIASES'], ...list.map((m) => [m.name, String(m.latestVersion), Object.entries(m.aliases).map(([a, v]) => `${a}=${v}`).join(', ')])]));
      });
    });
  remoteOptions(models.command('show'))
    .argument('<ref>', 'NAME, or NAME:VERSION for one version')
    .description('a model and its versions, or one version with its lineage')
    .action(async (ref: string, o: TargetOptions) => {
      await withTarget(o, async (store) => {
        if (/:[0-9]+$/.test(ref)) {
          const { name, version } = parseVersionRef(ref);
          const v = await store.models.getVersion(name, version);
          if (o.json) return printJson(v);
          const lines = [`${v.name}:${v.version} (${v.task}) by ${v.author}, ${new Date(v.createdAt).toISOString()}`, `digest ${v.digest}`, `aliases: ${v.aliases.join(', ') || '-'}`];
          lines.push(...Object.entries(v.metrics).map(([k, x]) => `  ${k} = ${x}`));
          if (v.lineage.runId) lines.push(`run ${v.lineage.runId}`);
          for (const d of v.lineage.datasets ?? []) lines.push(`  ${d.role}: ${d.name} v${d.version}`);
          return void process.stdout.write(lines.join('\n') + '\n');
        }
        const m = await store.models.getModel(ref);
        const versions = await allPages((cursor) => store.models.listVersions(ref, { cursor, limit: 1000 }));
        if (o.json) return printJson({ ...m, versions });
        process.stdout.write(`${m.name}: ${versions.length} versions; protected aliases: ${m.protectedAliases.join(', ') || '-'}\n`);
        process.stdout.write(table([['VERSION', 'AUTHOR', 'CREATED', 'ALIASES'], ...versions.map((v) => [String(v.version), v.author, new Date(v.createdAt).toISOString().slice(0, 19), v.aliases.join(', ')])]));
      });
    });
  remoteOptions(models.command('alias'))
    .argument('<ref>', 'NAME:VERSION')
    .argument('<alias>', 'alias to point at that version (champion, production...)')
    .option('--reason <text>', 'why (kept in the audit log)', '')
    .option('--delete', 'remove the alias instead (ref is then just NAME)')
    .description('move an alias atomically (protected aliases need an approval of the version)')
    .action(async (ref: string, alias: string, o: TargetOptions & { reason: string; delete?: boolean }) => {
      await withTarget(o, async (store, me) => {
        if (o.delete) {
          await store.models.deleteAlias(ref.replace(/:[0-9]+$/, ''), alias, me.name, o.reason);
          return o.json ? printJson({ deleted: alias }) : void process.stdout.write(`removed alias ${alias}\n`);
        }
        const { name, version } = parseVersionRef(ref);
        await store.models.setAlias(name, alias, version, me.name, o.reason);
        if (o.json) return printJson(await store.models.resolveAlias(name, alias));
        process.stdout.write(`${name}@${alias} -> version ${version}\n`);
      });
    });
  remoteOptions(models.command('traffic'))
    .argument('<name>', 'the registered model whose bare name the split serves')
    .option('--split <routes>', 'weighted routes, VERSION_OR_ALIAS=WEIGHT,... (e.g. champion=90,7=10 for a 10% canary)')
    .option('--shadow <version>', 'a version (or alias) sent a copy of every request; its answers are logged, never returned')
    .option('--sticky-header <header>', 'a request header whose value pins a caller to one route')
    .option('--clear', 'remove the split (the champion alias, else the latest version, serves again)')
    .description('show or set how requests to the model\'s bare name are split across versions (canary, shadow, sticky)')
    .action(async (name: string, o: TargetOptions & { split?: string; shadow?: string; stickyHeader?: string; clear?: boolean }) => {
      const pickOf = (s: string, field: string) => (/^[1-9][0-9]{0,8}$/.test(s) ? { version: Number(s) } : /^[A-Za-z]/.test(s) ? { alias: s } : (() => { throw invalid(`${field}: "${s.slice(0, 40)}" is neither a version number nor an alias`); })());
      await withTarget(o, async (store, me) => {
        if (o.clear) {
          await store.models.setModelTag(name, TRAFFIC_TAG, '', me.name);
          return o.json ? printJson({ name, traffic: null }) : void process.stdout.write(`${name}: traffic split removed\n`);
        }
        if (o.split === undefined) {
          if (o.shadow || o.stickyHeader) throw invalid('--shadow and --sticky-header go with --split');
          const raw = (await store.models.getModel(name)).tags[TRAFFIC_TAG];
          const spec = raw ? parseTraffic(raw) : null;
          return o.json ? printJson({ name, traffic: spec }) : void process.stdout.write(`${name}: ${spec ? JSON.stringify(spec) : 'no traffic split (champion alias, else latest version)'}\n`);
        }
        const routes = o.split.split(',').map((part, i) => {
          const m = /^([^=]+)=(\d+)$/.exec(part.trim());
          if (!m) throw invalid(`--split part ${i + 1} must be VERSION_OR_ALIAS=WEIGHT, got "${part.slice(0, 40)}"`);
          return { ...pickOf(m[1], `--split part ${i + 1}`), weight: Number(m[2]) };
        });
        const spec = parseTraffic({ routes, ...(o.shadow ? { shadow: pickOf(o.shadow, '--shadow') } : {}), ...(o.stickyHeader ? { stickyHeader: o.stickyHeader.toLowerCase() } : {}) });
        // every version named must exist now (aliases are resolved per request)
        for (const p of [...spec.routes, ...(spec.shadow ? [spec.shadow] : [])]) if ('version' in p) await store.models.getVersion(name, p.version);
        await store.models.setModelTag(name, TRAFFIC_TAG, JSON.stringify(spec), me.name);
        if (o.json) return printJson({ name, traffic: spec });
        process.stdout.write(`${name}: ${spec.routes.map((r) => `${'version' in r ? `version ${r.version}` : `@${r.alias}`} ${r.weight}`).join(', ')}${spec.shadow ? `; shadow ${'version' in spec.shadow ? `version ${spec.shadow.version}` : `@${spec.shadow.alias}`}` : ''}${spec.stickyHeader ? `; sticky by ${spec.stickyHeader}` : ''}\n`);
      });
    });
  models
    .command('import')
    .argument('<file>', 'an ONNX model (.onnx) trained elsewhere')
    .requiredOption('--name <name>', 'register it as the next version of this model')
    .option('--json', 'print the version as JSON')
    .description('register an ONNX model trained elsewhere; its signature (inputs, task, classes) is read from the graph')
    .action(async (file: string, o: { name: string; json?: boolean }) => {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(file);
      } catch {
        throw notFound(`file not found: ${file}`);
      }
      const s = await stores();
      try {
        const v = await importOnnxModel(s, o.name, bytes, localActor());
        if (o.json) return printJson(v);
        const inputs = (v.signature as BundleManifest['signature']).inputs.map((f) => `${f.name} (${f.kind})`);
        process.stdout.write(`registered ${v.name}:${v.version} (${v.task}) from ${file}\n  inputs: ${inputs.slice(0, 20).join(', ')}${inputs.length > 20 ? `, ... (${inputs.length})` : ''}\n  serve it: capstan serve ${v.name}:${v.version}\n`);
      } finally {
        await s.metadata.close();
      }
    });
  remoteOptions(models.command('approve'))
    .argument('<ref>', 'NAME:VERSION')
    .requiredOption('--alias <alias>', 'the protected alias the version may move to')
    .option('--comment <text>', 'review note (kept in the audit log)', '')
    .description('approve a version for a protected alias (approver role; not the version\'s author)')
    .action(async (ref: string, o: TargetOptions & { alias: string; comment: string }) => {
      const { name, version } = parseVersionRef(ref);
      await withTarget(o, async (store, me) => {
        const a = await store.models.approve({ name, version, alias: o.alias, approver: me, comment: o.comment });
        if (o.json) return printJson(a);
        process.stdout.write(`${a.approver} approved ${name}:${version} for ${a.alias}\n`);
      });
    });
  remoteOptions(models.command('audit'))
    .argument('[name]', 'only this model')
    .option('--limit <n>', 'how many events', '100')
    .description('the append-only audit log: who did what, when, why')
    .action(async (name: string | undefined, o: TargetOptions & { limit: string }) => {
      const limit = parseIntOption('--limit', o.limit, 1, 1000);
      await withTarget(o, async (store) => {
        const page = await store.audit.list({ entity: name, limit });
        if (o.json) return printJson(page);
        process.stdout.write(table([['WHEN', 'ACTOR', 'ACTION', 'ENTITY', 'DETAIL'], ...page.items.map((e) => [new Date(e.at).toISOString().slice(0, 19), e.actor, e.action, e.entity, JSON.stringify(e.detail)])]));
      });
    });
}
