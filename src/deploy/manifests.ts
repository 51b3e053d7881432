import { CAPSTAN_VERSION } from '../core/config.ts';

/** What a deployment is made of: the model's name and version, the image that serves it, and how it scales. */
export interface DeploySpec {
  /** a DNS-1123 label: the Kubernetes name of every object */
  name: string;
  model: string;
  version: number | null;
  image: string;
  port: number;
  replicas: number;
  maxReplicas: number;
  cpu: string;
  memory: string;
  workers: number;
}

type Manifest = Record<string, unknown>;

/** Where the image holds the bundle: its folder name is the model's name on the inference routes. */
export function bundlePath(s: DeploySpec): string {
  return `/srv/models/${s.model}`;
}

const PROBE_PATH = { live: '/v2/health/live', ready: '/v2/health/ready' };

function labels(s: DeploySpec): Record<string, string> {
  return { 'app.kubernetes.io/name': s.name, 'app.kubernetes.io/component': 'model-server', 'app.kubernetes.io/managed-by': 'capstan', 'capstan.dev/model': s.model, ...(s.version !== null ? { 'capstan.dev/version': String(s.version) } : {}) };
}

/** The serving container: `capstan serve` of the bundle baked into the image, probes on the V2 health routes. */
export function container(s: DeploySpec, name = 'model-server'): Manifest {
  return {
    name,
    image: s.image,
    args: ['serve', bundlePath(s), '--host', '0.0.0.0', '--port', String(s.port), '--workers', String(s.workers), '--no-log'],
    ports: [{ name: 'http', containerPort: s.port, protocol: 'TCP' }],
    readinessProbe: { httpGet: { path: PROBE_PATH.ready, port: s.port }, periodSeconds: 5, failureThreshold: 2 },
    livenessProbe: { httpGet: { path: PROBE_PATH.live, port: s.port }, initialDelaySeconds: 10, periodSeconds: 10 },
    resources: { requests: { cpu: s.cpu, memory: s.memory }, limits: { cpu: s.cpu, memory: s.memory } },
    securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    // the root filesystem is read-only; the TypeScript loader's cache and CAPSTAN_HOME live here
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

/** Deployment + Service + HorizontalPodAutoscaler (CPU), with a drain window longer than the server's graceful stop. */
export function kubernetesManifests(s: DeploySpec): Manifest[] {
  const selector = { 'app.kubernetes.io/name': s.name, 'app.kubernetes.io/component': 'model-server' };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: s.name, labels: labels(s) },
      spec: {
        replicas: s.replicas,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: { metadata: { labels: labels(s) }, spec: { terminationGracePeriodSeconds: 45, containers: [container(s)], volumes: [{ name: 'tmp', emptyDir: {} }] } },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, labels: labels(s) },
      spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: s.name, labels: labels(s) },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: s.name },
        minReplicas: s.replicas,
        maxReplicas: s.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    },
  ];
}

/** A KServe InferenceService (v1beta1) with a custom predictor: the same container, V2 protocol. */
export function kserveManifest(s: DeploySpec): Manifest {
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: { name: s.name, labels: labels(s), annotations: { 'serving.kserve.io/deploymentMode': 'RawDeployment' } },
    spec: { predictor: { minReplicas: s.replicas, maxReplicas: s.maxReplicas, containers: [{ ...container(s, 'kserve-container'), env: [{ name: 'PROTOCOL', value: 'v2' }] }], volumes: [{ name: 'tmp', emptyDir: {} }] } },
  };
}

/**
 * A two-stage image: the package installed (native modules built, compiled JavaScript only, no development dependencies) in
 * the first, the bundle and a non-root user in the second. A model imported as ONNX also gets onnxruntime-node (without its
 * install script, which only downloads GPU parts).
 */
export function dockerfile(s: DeploySpec, tarball: string, onnx = false): string {
  return `# Built by capstan deploy: serves ${s.model}${s.version !== null ? ` version ${s.version}` : ''} with Capstan ${CAPSTAN_VERSION}.
# docker build -t ${s.image} .   then   docker run -p ${s.port}:${s.port} ${s.image}
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY ${tarball} /tmp/${tarball}
RUN npm install -g --omit=dev --no-audit --no-fund /tmp/${tarball}${onnx ? '\nRUN cd /usr/local/lib/node_modules/capstan && npm install --no-save --omit=dev --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0' : ''}

FROM node:20-bookworm-slim
COPY --from=build /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s /usr/local/lib/node_modules/capstan/bin/capstan.js /usr/local/bin/capstan
COPY model /srv/models/${s.model}
ENV CAPSTAN_HOME=/tmp/capstan
USER 1000
EXPOSE ${s.port}
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:${s.port}${PROBE_PATH.ready}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["capstan"]
CMD ["serve", "${bundlePath(s)}", "--host", "0.0.0.0", "--port", "${s.port}", "--workers", "${s.workers}", "--no-log"]
`;
}
