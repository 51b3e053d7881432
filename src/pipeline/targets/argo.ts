import type { CompiledPipeline, PlannedStep } from '../define/compile.ts';

export interface ArgoOptions {
  /** the Capstan image the steps run in (it holds the `capstan` CLI) */
  image: string;
  /** a Secret whose keys become the steps' environment: CAPSTAN_STORE_URI (PostgreSQL), CAPSTAN_ARTIFACT_URI (S3), AWS_* */
  secret?: string;
  serviceAccount?: string;
  namespace?: string;
}

/** Argo parameter names: lower-case letters, digits and "-". */
const paramName = (k: string) => `param-${k.replace(/_/g, '-').toLowerCase()}`;

/**
 * The pipeline as an Argo Workflow: a DAG with one task per step, each running `capstan pipeline step` in the Capstan image
 * against the shared metadata and artifact stores (a step reads what earlier steps recorded there, so no artifact passes
 * through Argo); a first task opens the pipeline run, the exit handler runs the `finally` steps and closes the run. Retries
 * and timeouts are Argo's (retryStrategy with exponential backoff, activeDeadlineSeconds). Conditions and forEach are
 * evaluated by the step itself, as in every backend: a step whose condition does not hold, or that reads a step that did not
 * succeed, is recorded as skipped; a forEach step's iterations run in its one pod.
 */
export function argoWorkflow(p: CompiledPipeline, o: ArgoOptions): Record<string, unknown> {
  const params = Object.entries(p.spec.params ?? {});
  // the spec travels base64-encoded: its ${{ ... }} references must not meet Argo's own {{ ... }} templating
  const base = ['pipeline', 'step', '--spec-base64', '{{workflow.parameters.capstan-spec}}', '--workflow', '{{workflow.uid}}'];
  const container = (name: string, args: string[]) => ({
    name: 'main',
    image: o.image,
    command: ['capstan'],
    args,
    ...(o.secret ? { envFrom: [{ secretRef: { name: o.secret } }] } : {}),
    // the step's name, for logs
    env: [{ name: 'CAPSTAN_STEP', value: name }],
  });
  const stepTemplate = (s: PlannedStep) => ({
    name: `step-${s.name}`,
    ...(s.spec.retries ? { retryStrategy: { limit: String(s.spec.retries), retryPolicy: 'Always', backoff: { duration: `${s.spec.retryDelaySeconds ?? 1}s`, factor: '2' } } } : {}),
    ...(s.spec.timeoutSeconds ? { activeDeadlineSeconds: String(Math.ceil(s.spec.timeoutSeconds)) } : {}),
    container: container(s.name, [...base, '--step', s.name]),
  });
  const templates: Record<string, unknown>[] = [
    {
      name: 'pipeline',
      dag: {
        tasks: [
          { name: 'capstan-start', template: 'capstan-start' },
          ...p.steps.map((s) => ({ name: s.name, template: `step-${s.name}`, dependencies: ['capstan-start', ...s.deps] })),
        ],
      },
    },
    { name: 'capstan-start', container: container('capstan-start', [...base, '--start', ...params.flatMap(([k]) => ['--param', `${k}={{workflow.parameters.${paramName(k)}}}`])]) },
    ...p.steps.map(stepTemplate),
    ...p.final.map(stepTemplate),
    {
      // the exit handler: the finally steps in order, each whatever the one before did, then the run is closed
      name: 'capstan-exit',
      dag: {
        tasks: [...p.final.map((s) => ({ name: s.name, template: `step-${s.name}` })), { name: 'capstan-finish', template: 'capstan-finish' }].map((t, i, all) =>
          i === 0 ? t : { ...t, depends: `(${all[i - 1].name}.Succeeded || ${all[i - 1].name}.Failed || ${all[i - 1].name}.Errored)` },
        ),
      },
    },
    { name: 'capstan-finish', container: container('capstan-finish', [...base, '--finish', '{{workflow.status}}']) },
  ];
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: `${p.spec.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'pipeline'}-`, ...(o.namespace ? { namespace: o.namespace } : {}), labels: { 'app.kubernetes.io/managed-by': 'capstan', 'capstan.dev/pipeline': p.spec.name.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63) } },
    spec: {
      entrypoint: 'pipeline',
      onExit: 'capstan-exit',
      ...(o.serviceAccount ? { serviceAccountName: o.serviceAccount } : {}),
      arguments: {
        parameters: [
          { name: 'capstan-spec', value: Buffer.from(JSON.stringify(p.spec)).toString('base64'), description: 'the pipeline spec (JSON, base64)' },
          ...params.map(([k, v]) => ({ name: paramName(k), ...(v.default !== undefined ? { value: typeof v.default === 'string' ? v.default : JSON.stringify(v.default) } : {}), ...(v.description ? { description: v.description } : {}) })),
        ],
      },
      templates,
    },
  };
}
