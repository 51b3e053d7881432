import { invalid } from '../../core/errors.ts';
import { component } from './component.ts';

const TARGETS = ['kubernetes', 'kserve'];

/**
 * The manifests that deploy a model version (Kubernetes Deployment + Service + autoscaler, or a KServe InferenceService),
 * validated against the Kubernetes schemas, as a YAML file output: what `capstan deploy` writes, for a GitOps repository or a
 * later `kubectl apply`. The image is built with `capstan deploy --target docker`.
 */
export const deploy = component({
  name: 'capstan/deploy',
  version: '1',
  description: 'write the Kubernetes or KServe manifests that serve a model version (validated), as a YAML file',
  inputs: {
    name: { type: 'string', description: 'the registered model' },
    version: { type: 'number', description: 'the version' },
    target: { type: 'string', description: 'kubernetes or kserve', default: 'kubernetes' },
    deployment: { type: 'string', description: "the Kubernetes name (default: the model's name as a DNS label)", optional: true },
    image: { type: 'string', description: 'the image that serves it (default capstan-NAME:VERSION)', optional: true },
    port: { type: 'number', description: 'the container port', default: 8080 },
    replicas: { type: 'number', description: 'replicas (the autoscaler minimum)', default: 2 },
    maxReplicas: { type: 'number', description: 'the autoscaler maximum', default: 10 },
    cpu: { type: 'string', description: 'CPU request and limit per replica', default: '1' },
    memory: { type: 'string', description: 'memory request and limit per replica', default: '512Mi' },
    workers: { type: 'number', description: 'serving processes per replica', default: 1 },
  },
  outputs: {
    manifests: { type: 'file', description: 'the manifests (YAML, one document per object)' },
    objects: { type: 'number', description: 'how many objects' },
  },
  async run(i, ctx) {
    if (!TARGETS.includes(i.target)) throw invalid(`target must be one of ${TARGETS.join(', ')}, got "${i.target}"`);
    const d = await import('../../deploy/index.ts');
    const v = await ctx.stores.metadata.models.getVersion(i.name, i.version);
    const name = i.deployment ?? d.deployName(v.name);
    const spec = { name, model: v.name, version: v.version, image: i.image ?? `capstan-${name}:${v.version}`, port: i.port, replicas: i.replicas, maxReplicas: i.maxReplicas, cpu: i.cpu, memory: i.memory, workers: i.workers };
    d.checkDeploySpec(spec, (f) => (f === 'name' ? 'deployment' : f));
    const manifests = i.target === 'kserve' ? [d.kserveManifest(spec)] : d.kubernetesManifests(spec);
    for (const m of manifests) d.validateManifest(m);
    ctx.log(`${manifests.map((m) => `${m.kind as string}/${name}`).join(', ')} for ${v.name}:${v.version}, image ${spec.image}`);
    const file = await ctx.saveFile(Buffer.from(d.manifestsYaml(manifests)));
    return { manifests: { ...file, name: i.target === 'kserve' ? 'inferenceservice.yaml' : 'kubernetes.yaml' }, objects: manifests.length };
  },
});
