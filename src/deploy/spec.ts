import { invalid } from '../core/errors.ts';
import { checkInteger } from '../core/names.ts';
import type { DeploySpec } from './manifests.ts';

/** The Kubernetes name a model gets when none is given: its name as a DNS-1123 label. */
export function deployName(model: string): string {
  return model.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 45);
}

/**
 * Check a deployment before anything is written, whoever asks (`capstan deploy`, a pipeline's deploy step); `field` names a
 * field as the asker calls it (`--max-replicas` on the command line, `maxReplicas` in a pipeline).
 */
export function checkDeploySpec(s: DeploySpec, field: (name: keyof DeploySpec) => string = (n) => n): void {
  checkInteger(field('port'), s.port, 1, 65535);
  checkInteger(field('replicas'), s.replicas, 1, 1000);
  checkInteger(field('maxReplicas'), s.maxReplicas, s.replicas, 10_000);
  checkInteger(field('workers'), s.workers, 1, 64);
  if (!/^(\d+m|\d+(\.\d+)?)$/.test(s.cpu)) throw invalid(`${field('cpu')} must be a Kubernetes CPU quantity like 500m or 1, got "${s.cpu}"`);
  if (!/^\d+(Ki|Mi|Gi)?$/.test(s.memory)) throw invalid(`${field('memory')} must be a Kubernetes memory quantity like 512Mi or 2Gi, got "${s.memory}"`);
  if (!/^[a-z]([-a-z0-9]{0,43}[a-z0-9])?$/.test(s.name)) throw invalid(`${field('name')} must be a DNS-1123 label (lower-case letters, digits, "-", starting with a letter, at most 45 characters), got "${s.name}"`);
  if (!/^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]{1,128})?(@sha256:[a-f0-9]{64})?$/.test(s.image)) throw invalid(`${field('image')} "${s.image.slice(0, 100)}" is not a valid image reference`);
}
