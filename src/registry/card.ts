import type { FeatureSpec } from '../core/schema.ts';
import type { DatasetVersion, ModelVersion, Run } from '../store/index.ts';

/** What the registry knows about a version beyond its record: its training run and the dataset versions it read. */
export interface CardFacts {
  run: Pick<Run, 'id' | 'name' | 'params' | 'metrics'> | null;
  datasets: (Pick<DatasetVersion, 'name' | 'version' | 'rows' | 'columns'> & { role: string })[];
}

const TASKS: Record<string, string> = { binary: 'binary classification', multiclass: 'multiclass classification', regression: 'regression', clustering: 'clustering' };

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 1e6 || Math.abs(x) < 1e-3 ? x.toExponential(3) : String(Number(x.toPrecision(6))));

function featureLine(f: FeatureSpec): string {
  if (f.kind === 'categorical') return `- \`${f.name}\`: categorical, ${f.categories.length} categories in training${f.missing ? `, ${f.missing} missing` : ''}`;
  return `- \`${f.name}\`: ${f.datetime ? 'date/time' : f.integer ? 'integer' : 'numeric'}, ${fmt(f.min)} to ${fmt(f.max)} in training${f.missing ? `, ${f.missing} missing` : ''}`;
}

/**
 * A first draft of a version's model card (after Mitchell et al., "Model Cards for Model Reporting"): the sections a reviewer
 * expects, filled with what the registry records (task, run, data, inputs and their training ranges, evaluation), and marked
 * places for what only people know (intended use, limits, ethical considerations). Edit it, then store it with
 * `capstan models card NAME:VERSION --file card.md`.
 */
export function draftCard(v: ModelVersion, facts: CardFacts): string {
  const inputs = (v.signature as { inputs?: FeatureSpec[] } | null)?.inputs ?? [];
  const learner = facts.run?.params.learner;
  // the version's own evaluation, else what its training run logged (numbers only: the API may send 'NaN' as text)
  const metrics = Object.keys(v.metrics).length ? Object.entries(v.metrics) : Object.entries(facts.run?.metrics ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number');
  const lines = [
    `# ${v.name}, version ${v.version}`,
    '',
    '## Model details',
    `- Task: ${TASKS[v.task] ?? v.task}${learner ? `, learner ${learner}` : ''}`,
    `- Registered by ${v.author} on ${new Date(v.createdAt).toISOString().slice(0, 10)}${facts.run ? ` from run ${facts.run.id}${facts.run.name ? ` (${facts.run.name})` : ''}` : ''}`,
    `- Bundle digest: \`${v.digest}\``,
    ...(v.description ? [`- ${v.description}`] : []),
    '',
    '## Intended use',
    '- TODO: who uses its answers, for which decisions',
    '- TODO: uses it is not meant for',
    '',
    '## Training data',
    ...(facts.datasets.length ? facts.datasets.map((d) => `- ${d.name} v${d.version} (${d.role}): ${d.rows} rows, ${d.columns} columns`) : ['- not recorded (the version was registered without a run)']),
    '',
    '## Inputs',
    ...(inputs.length ? inputs.map(featureLine) : ['- not recorded in the bundle']),
    '',
    '## Evaluation',
    ...(metrics.length ? metrics.map(([k, x]) => `- ${k}: ${fmt(x)}`) : ['- no metrics recorded (train with cross-validation or a test split to have them)']),
    '',
    '## Limitations and risks',
    '- TODO: where its answers are known to be poor (segments, ranges outside the training data above)',
    '- TODO: what happens when it is wrong, and who checks',
    '',
    '## Ethical considerations',
    '- TODO: sensitive features or proxies for them, and how fairness was checked',
    '',
  ];
  return lines.join('\n');
}
