import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { invalid, notFound, orNullIfNotFound } from '../../core/errors.ts';
import { draftCard, importOnnxModel, type BundleManifest, type CardFacts } from '../../registry/index.ts';
import { allPages, parseTraffic, type MetadataStore, type ModelVersion, type RegisteredModel, type TrafficSpec, type VersionPick } from '../../store/index.ts';
import { localActor, parseIntOption, stores } from '../common.ts';
import { clientOf, remoteOptions, safe, table, when, withTarget, type TargetOptions } from '../target.ts';
import type { HumilityRule } from '../../monitor/index.ts';
import { printJson } from '../output.ts';

function parseVersionRef(ref: string): { name: string; version: number } {
  const m = /^(.+):([0-9]+)$/.exec(ref);
  if (!m) throw invalid(`"${ref.slice(0, 80)}" must be NAME:VERSION, e.g. churn:3`);
  return { name: m[1], version: parseIntOption('version', m[2], 1, 2 ** 31) };
}

const pickText = (p: VersionPick): string => ('version' in p ? `version ${p.version}` : `@${p.alias}`);

/** A traffic split in words: `version 3 90%, version 7 10%; shadow version 8; sticky by x-user-id`. */
export function trafficText(spec: TrafficSpec | null): string {
  if (!spec) return 'no split: the champion alias answers the bare name';
  const total = spec.routes.reduce((a, r) => a + r.weight, 0);
  const routes = spec.routes.map((r) => `${pickText(r)} ${((100 * r.weight) / total).toFixed(total % 100 === 0 ? 0 : 1)}%`).join(', ');
  return `${routes}${spec.shadow ? `; shadow ${pickText(spec.shadow)}` : ''}${spec.stickyHeader ? `; sticky by ${spec.stickyHeader}` : ''}`;
}

function metricsText(m: Record<string, number>): string {
  return Object.entries(m).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`).join(' ');
}

function modelSummary(m: RegisteredModel, versions: ModelVersion[]): string {
  const lines = [
    `${m.name}: ${versions.length} version${versions.length === 1 ? '' : 's'}${m.description ? ` - ${m.description}` : ''}`,
    `  protected aliases: ${m.policy.protectedAliases.join(', ') || '-'}; self-approval ${m.policy.selfApproval ? 'allowed' : 'not allowed'}`,
    `  traffic: ${trafficText(m.traffic)}`,
  ];
  return safe(lines.join('\n')) + '\n' + table([['VERSION', 'AUTHOR', 'CREATED', 'ALIASES', 'METRICS'], ...versions.map((v) => [String(v.version), v.author, when(v.createdAt), v.aliases.join(', '), metricsText(v.metrics)])]);
}

function versionSummary(v: ModelVersion): string {
  const lines = [`${v.name}:${v.version} (${v.task}) by ${v.author}, ${when(v.createdAt)}`, `digest ${v.digest}`, `aliases: ${v.aliases.join(', ') || '-'}`];
  if (Object.keys(v.metrics).length) lines.push('metrics:', ...Object.entries(v.metrics).map(([k, x]) => `  ${k} = ${x}`));
  if (v.lineage.runId) lines.push(`run ${v.lineage.runId}`);
  for (const d of v.lineage.datasets ?? []) lines.push(`  ${d.role}: ${d.name} v${d.version}`);
  return safe(lines.join('\n')) + '\n';
}

/** `7`, `champion`: a version number or an alias. */
function pickOf(s: string, field: string): VersionPick {
  if (/^[1-9][0-9]{0,8}$/.test(s)) return { version: Number(s) };
  if (/^[A-Za-z]/.test(s)) return { alias: s };
  throw invalid(`${field}: "${s.slice(0, 40)}" is neither a version number nor an alias`);
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
        process.stdout.write(table([['NAME', 'LATEST', 'ALIASES', 'TRAFFIC'], ...list.map((m) => [m.name, String(m.latestVersion), Object.entries(m.aliases).map(([a, v]) => `${a}=${v}`).join(', '), m.traffic ? trafficText(m.traffic) : '-'])]));
      });
    });
  remoteOptions(models.command('show'))
    .argument('<ref>', 'NAME, or NAME:VERSION for one version')
    .description('a model (policy, traffic split, versions with metrics), or one version with its lineage')
    .action(async (ref: string, o: TargetOptions) => {
      await withTarget(o, async (store) => {
        if (/:[0-9]+$/.test(ref)) {
          const { name, version } = parseVersionRef(ref);
          const v = await store.models.getVersion(name, version);
          return o.json ? printJson(v) : void process.stdout.write(versionSummary(v));
        }
        const m = await store.models.getModel(ref);
        const versions = await allPages((cursor) => store.models.listVersions(ref, { cursor, limit: 1000 }));
        if (o.json) return printJson({ ...m, versions });
        process.stdout.write(modelSummary(m, versions));
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
          await store.models.deleteAlias(ref.replace(/:[0-9]+$/, ''), alias, me, o.reason);
          return o.json ? printJson({ deleted: alias }) : void process.stdout.write(`removed alias ${safe(alias)}\n`);
        }
        const { name, version } = parseVersionRef(ref);
        await store.models.setAlias(name, alias, version, me, o.reason);
        if (o.json) return printJson(await store.models.resolveAlias(name, alias));
        process.stdout.write(safe(`${name}@${alias} -> version ${version}`) + '\n');
      });
    });
  remoteOptions(models.command('traffic'))
    .argument('<name>', 'the registered model whose bare name the split serves')
    .option('--split <routes>', 'weighted routes, VERSION_OR_ALIAS=WEIGHT,... (e.g. champion=90,7=10 for a 10% canary)')
    .option('--shadow <version>', 'a version (or alias) sent a copy of every request; its answers are logged, never returned')
    .option('--sticky-header <header>', 'a request header whose value pins a caller to one route')
    .option('--clear', 'remove the split (the champion alias serves again)')
    .description('show or set how requests to the model\'s bare name are split across versions (weighted versions need an approval for champion)')
    .action(async (name: string, o: TargetOptions & { split?: string; shadow?: string; stickyHeader?: string; clear?: boolean }) => {
      await withTarget(o, async (store, me) => {
        let spec: TrafficSpec | null;
        if (o.clear) spec = (await store.models.setTraffic(name, null, me)).traffic;
        else if (o.split === undefined) {
          if (o.shadow || o.stickyHeader) throw invalid('--shadow and --sticky-header go with --split');
          spec = (await store.models.getModel(name)).traffic;
        } else {
          const routes = o.split.split(',').map((part, i) => {
            const m = /^([^=]+)=(\d+)$/.exec(part.trim());
            if (!m) throw invalid(`--split part ${i + 1} must be VERSION_OR_ALIAS=WEIGHT, got "${part.slice(0, 40)}"`);
            return { ...pickOf(m[1], `--split part ${i + 1}`), weight: Number(m[2]) };
          });
          const asked = parseTraffic({ routes, ...(o.shadow ? { shadow: pickOf(o.shadow, '--shadow') } : {}), ...(o.stickyHeader ? { stickyHeader: o.stickyHeader.toLowerCase() } : {}) });
          spec = (await store.models.setTraffic(name, asked, me)).traffic;
        }
        if (o.json) return printJson({ name, traffic: spec });
        process.stdout.write(safe(`${name}: ${trafficText(spec)}`) + '\n');
      });
    });
  remoteOptions(models.command('policy'))
    .argument('<name>', 'the registered model')
    .option('--protect <aliases>', 'comma-separated aliases whose moves need an approval (default champion,production)')
    .option('--self-approval', 'let a version\'s author approve it (one person running a model; audited as self-approval)')
    .option('--no-self-approval', 'approvals must come from someone other than the author (the default)')
    .description('show or set the model\'s governance policy (admin)')
    .action(async (name: string, o: TargetOptions & { protect?: string; selfApproval?: boolean }) => {
      await withTarget(o, async (store, me) => {
        const patch = { ...(o.protect !== undefined ? { protectedAliases: o.protect.split(',').map((a) => a.trim()).filter(Boolean) } : {}), ...(o.selfApproval !== undefined ? { selfApproval: o.selfApproval } : {}) };
        const m = Object.keys(patch).length ? await store.models.setPolicy(name, patch, me) : await store.models.getModel(name);
        if (o.json) return printJson({ name, policy: m.policy });
        process.stdout.write(safe(`${name}: protected aliases ${m.policy.protectedAliases.join(', ') || '-'}; self-approval ${m.policy.selfApproval ? 'allowed' : 'not allowed'}`) + '\n');
      });
    });
  remoteOptions(
    models
      .command('humility')
      .argument('<ref>', 'NAME:VERSION')
      .option('--file <rules.yaml>', 'set the rules: a list of {name, when: {confidenceBelow | outsideRange | unseenCategory}, action: flag | refuse | majority | mean | {replace: VALUE}}')
      .option('--clear', 'remove the version\'s rules'),
  )
    .description('show or set the humility rules a model version answers with (checked against its signature; audited as a version tag)')
    .action(async (ref: string, o: TargetOptions & { file?: string; clear?: boolean }) => {
      const m = /^([^:@]+):([1-9][0-9]{0,8})$/.exec(ref);
      if (!m) throw invalid(`the model must be NAME:VERSION (got "${ref.slice(0, 80)}")`);
      if (o.file && o.clear) throw invalid('give --file RULES or --clear, not both');
      const [name, version] = [m[1], Number(m[2])];
      let doc: unknown[] | null = null;
      if (o.file) {
        const { parse } = await import('yaml');
        let text: string;
        try {
          text = readFileSync(o.file, 'utf8');
        } catch {
          throw invalid(`cannot read --file ${o.file}`);
        }
        const parsed: unknown = parse(text);
        if (!Array.isArray(parsed)) throw invalid(`--file ${o.file}: humility rules must be a list of {name, when, action}`);
        doc = parsed;
      }
      const change = o.file !== undefined || o.clear === true;
      const client = await clientOf(o);
      let rules: HumilityRule[];
      if (client) rules = (change ? await client.monitoring.setHumility(name, version, doc) : await client.monitoring.humility(name, version)).rules as HumilityRule[];
      else {
        const { setVersionHumility, versionHumility } = await import('../../monitor/index.ts');
        const s = await stores();
        try {
          rules = change ? await setVersionHumility(s, name, version, doc, localActor()) : await versionHumility(s, name, version);
        } finally {
          await s.metadata.close();
        }
      }
      if (o.json) return printJson({ name, version, rules });
      const what = `${ref}: ${rules.length} humility rule${rules.length === 1 ? '' : 's'}${change ? ' (servers apply them when they next load the version)' : ''}`;
      process.stdout.write(safe([what, ...rules.map((r) => `  ${r.name}: ${JSON.stringify(r.when)} -> ${JSON.stringify(r.action)}`)].join('\n')) + '\n');
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
        process.stdout.write(safe(`registered ${v.name}:${v.version} (${v.task}) from ${file}\n  inputs: ${inputs.slice(0, 20).join(', ')}${inputs.length > 20 ? `, ... (${inputs.length})` : ''}\n  serve it: capstan serve ${v.name}:${v.version}`) + '\n');
      } finally {
        await s.metadata.close();
      }
    });
  remoteOptions(models.command('approve'))
    .argument('<ref>', 'NAME:VERSION')
    .requiredOption('--alias <alias>', 'the protected alias the version may move to (champion also lets it carry traffic)')
    .option('--comment <text>', 'review note (kept in the audit log)', '')
    .description('approve a version for a protected alias (approver role; not the version\'s author unless the policy allows it)')
    .action(async (ref: string, o: TargetOptions & { alias: string; comment: string }) => {
      const { name, version } = parseVersionRef(ref);
      await withTarget(o, async (store, me) => {
        const a = await store.models.approve({ name, version, alias: o.alias, approver: me, comment: o.comment });
        if (o.json) return printJson(a);
        process.stdout.write(safe(`${a.approver} approved ${name}:${version} for ${a.alias}${a.self ? ' (self-approval, as the model\'s policy allows)' : ''}`) + '\n');
      });
    });
  remoteOptions(models.command('card'))
    .argument('<ref>', 'NAME:VERSION')
    .option('--file <markdown>', 'store this file as the version\'s card (replacing any; audited)')
    .option('--draft', 'print a draft from what the registry records, even when a card exists')
    .description('a version\'s model card: print it (or, when none exists, a draft to edit), or store one with --file; --json prints {card, draft}')
    .action(async (ref: string, o: TargetOptions & { file?: string; draft?: boolean }) => {
      const { name, version } = parseVersionRef(ref);
      let text: string | undefined;
      if (o.file) {
        try {
          text = readFileSync(o.file, 'utf8');
        } catch {
          throw invalid(`cannot read --file ${o.file}`);
        }
      }
      await withTarget(o, async (store, me) => {
        if (text !== undefined) {
          const card = await store.models.setCard(name, version, text, me.name);
          return o.json ? printJson({ card, draft: null }) : void process.stdout.write(safe(`stored the card of ${name}:${version} (${text.length} characters)`) + '\n');
        }
        const card = await store.models.getCard(name, version);
        if (card && !o.draft) return o.json ? printJson({ card, draft: null }) : void process.stdout.write(safe(card.text.endsWith('\n') ? card.text : card.text + '\n'));
        const v = await store.models.getVersion(name, version);
        const draft = draftCard(v, await cardFacts(store, v));
        if (o.json) return printJson({ card, draft });
        if (!o.draft) process.stderr.write(`${name}:${version} has no card yet; a draft follows (save it, fill in the TODOs, then: capstan models card ${ref} --file card.md)\n`);
        process.stdout.write(safe(draft));
      });
    });
  remoteOptions(models.command('audit'))
    .argument('[name]', 'only this model')
    .option('--limit <n>', 'how many events', '100')
    .description('the append-only audit log: who did what, when, why (refusals included)')
    .action(async (name: string | undefined, o: TargetOptions & { limit: string }) => {
      const limit = parseIntOption('--limit', o.limit, 1, 1000);
      await withTarget(o, async (store) => {
        const page = await store.audit.list({ entity: name, limit });
        if (o.json) return printJson(page);
        process.stdout.write(table([['WHEN', 'ACTOR', 'ACTION', 'ENTITY', 'DETAIL'], ...page.items.map((e) => [when(e.at), e.actor, e.action, e.entity, JSON.stringify(e.detail)])]));
      });
    });
}

/** The training run and dataset versions a card draft names (a run deleted since is left out). */
async function cardFacts(store: MetadataStore, v: ModelVersion): Promise<CardFacts> {
  const runId = v.lineage.runId ?? v.runId;
  const run = runId ? await orNullIfNotFound(store.runs.get(runId)) : null;
  const datasets = await Promise.all(
    (v.lineage.datasets ?? []).map(async (d) => {
      const found = await orNullIfNotFound(store.datasets.get(d.name, d.version));
      return { name: d.name, version: d.version, role: d.role, rows: found?.rows ?? 0, columns: found?.columns ?? 0 };
    }),
  );
  return { run: run && { id: run.id, name: run.name, params: run.params, metrics: run.metrics }, datasets };
}
