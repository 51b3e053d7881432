import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Pod, Service } from 'kubernetes-models/v1';
import { invalid } from '../core/errors.ts';

type Manifest = Record<string, unknown>;

const MODELS: Record<string, { new (m: never): { validate(): void } }> = {
  'apps/v1/Deployment': Deployment as never,
  'v1/Service': Service as never,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as never,
};

/**
 * Check a manifest against the Kubernetes API schemas (kubernetes-models). A KServe InferenceService is checked for its own
 * shape, and its predictor's containers as core/v1 containers of a Pod (the KServe CRD embeds them).
 */
export function validateManifest(m: Manifest): void {
  const key = `${m.apiVersion}/${m.kind}`;
  try {
    if (key === 'serving.kserve.io/v1beta1/InferenceService') {
      const meta = m.metadata as { name?: unknown } | undefined;
      const predictor = (m.spec as { predictor?: { containers?: unknown[]; volumes?: unknown[]; minReplicas?: unknown; maxReplicas?: unknown } } | undefined)?.predictor;
      if (typeof meta?.name !== 'string' || !/^[a-z]([-a-z0-9]{0,43}[a-z0-9])?$/.test(meta.name)) throw new Error('metadata.name must be a DNS-1123 label of at most 45 characters');
      if (!predictor || !Array.isArray(predictor.containers) || predictor.containers.length !== 1) throw new Error('spec.predictor.containers must hold one container');
      for (const r of ['minReplicas', 'maxReplicas'] as const) if (predictor[r] !== undefined && !(Number.isInteger(predictor[r]) && (predictor[r] as number) >= 0)) throw new Error(`spec.predictor.${r} must be an integer >= 0`);
      new Pod({ metadata: { name: meta.name }, spec: { containers: predictor.containers, volumes: predictor.volumes } } as never).validate();
      return;
    }
    const Model = MODELS[key];
    if (!Model) throw new Error(`no schema for ${key}`);
    new Model(m as never).validate();
  } catch (e) {
    throw invalid(`${m.kind} manifest is not valid: ${(e as Error).message}`);
  }
}
