export { container, dockerfile, kserveManifest, kubernetesManifests, type DeploySpec } from './manifests.ts';
export { validateManifest } from './validate.ts';
export { manifestsYaml } from './yaml.ts';
export { checkDeploySpec, deployName } from './spec.ts';
