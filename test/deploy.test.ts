import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Pod, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { manifestsYaml, validateManifest } from '../src/deploy/index.ts';
import { cli, TELCO, tempHome } from './helpers.ts';

type Doc = Record<string, unknown> & { kind: string; spec: Record<string, unknown> };

/** Every document of a file, read as kubectl would: a multi-document YAML 1.1 stream, each document one whole object. */
function docs(file: string, kinds: string[]): Doc[] {
  const stream = parseAllDocuments(readFileSync(file, 'utf8'), { version: '1.1' });
  assert.ok(Array.isArray(stream), 'a YAML stream, not an empty document');
  const out = stream.map((d, i) => {
    assert.deepEqual(d.errors, [], `document ${i} parses`);
    const v = d.toJS() as unknown;
    assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `document ${i} is one object`);
    return v as Doc;
  });
  assert.deepEqual(out.map((d) => d.kind), kinds);
  return out;
}

describe('capstan deploy', () => {
  const home = tempHome();
  const trained = cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=10', '--register', 'churn'], home);

  it('kubernetes: Deployment, Service and HPA that validate against the API schemas, probes on the V2 health routes', () => {
    assert.equal(trained.status, 0, trained.stderr);
    const out = join(home, 'k8s');
    const r = cli(['deploy', 'churn', '--target', 'kubernetes', '--out', out, '--replicas', '3', '--max-replicas', '6', '--cpu', '500m', '--memory', '1Gi'], home);
    assert.equal(r.status, 0, r.stderr);
    const [dep, svc, hpa] = docs(join(out, 'kubernetes.yaml'), ['Deployment', 'Service', 'HorizontalPodAutoscaler']);
    assert.doesNotMatch(readFileSync(join(out, 'kubernetes.yaml'), 'utf8'), /^\s*[{[]/m, 'block YAML, not JSON text');
    new Deployment(dep as never).validate();
    new Service(svc as never).validate();
    new HorizontalPodAutoscaler(hpa as never).validate();
    const c = (dep.spec as { template: { spec: { containers: Record<string, never>[] } } }).template.spec.containers[0] as unknown as { image: string; args: string[]; readinessProbe: { httpGet: { path: string } }; livenessProbe: { httpGet: { path: string } }; resources: { limits: { cpu: string; memory: string } } };
    assert.equal(c.image, 'capstan-churn:1');
    assert.deepEqual(c.args.slice(0, 2), ['serve', '/srv/models/churn']);
    assert.equal(c.readinessProbe.httpGet.path, '/v2/health/ready');
    assert.equal(c.livenessProbe.httpGet.path, '/v2/health/live');
    assert.deepEqual(c.resources.limits, { cpu: '500m', memory: '1Gi' });
    assert.deepEqual([(hpa.spec as { minReplicas: number }).minReplicas, (hpa.spec as { maxReplicas: number }).maxReplicas], [3, 6]);
    // the build context: the bundle (loadable), the package, a Dockerfile that copies both
    const dockerfile = readFileSync(join(out, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /COPY model \/srv\/models\/churn/);
    assert.match(dockerfile, /COPY capstan-[\d.]+\.tgz/);
    assert.ok(existsSync(join(out, 'model', 'capstan-model.json')));
    const p = cli(['predict', '--model', join(out, 'model'), '--input', TELCO, '--output', join(home, 'p.csv')], home);
    assert.equal(p.status, 0, p.stderr);
  });

  it('kserve: an InferenceService whose predictor container validates as a core/v1 container', () => {
    const out = join(home, 'kserve');
    const r = cli(['deploy', 'churn:1', '--target', 'kserve', '--out', out, '--name', 'churn-model'], home);
    assert.equal(r.status, 0, r.stderr);
    const [isvc] = docs(join(out, 'inferenceservice.yaml'), ['InferenceService']);
    assert.equal(isvc.apiVersion, 'serving.kserve.io/v1beta1');
    const predictor = isvc.spec.predictor as { containers: unknown[]; volumes: unknown[] };
    new Pod({ metadata: { name: 'churn-model' }, spec: { containers: predictor.containers, volumes: predictor.volumes } } as never).validate();
    validateManifest(isvc);
  });

  it('docker: the build context alone; bad options and a broken manifest are clear errors', () => {
    const out = join(home, 'docker');
    assert.equal(cli(['deploy', 'churn', '--target', 'docker', '--out', out], home).status, 0);
    assert.ok(existsSync(join(out, 'Dockerfile')) && !existsSync(join(out, 'kubernetes.yaml')));
    for (const [args, re] of [
      [['--target', 'nomad', '--out', join(home, 'x')], /--target must be one of docker, kubernetes, kserve/],
      [['--target', 'docker', '--out', out], /is not empty/],
      [['--target', 'kubernetes', '--out', join(home, 'y'), '--cpu', 'lots'], /--cpu must be a Kubernetes CPU quantity/],
      [['--target', 'kubernetes', '--out', join(home, 'z'), '--name', 'Bad_Name'], /--name must be a DNS-1123 label/],
    ] as const) {
      const r = cli(['deploy', 'churn', ...args], home);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, re);
    }
    const dep = docs(join(home, 'k8s', 'kubernetes.yaml'), ['Deployment', 'Service', 'HorizontalPodAutoscaler'])[0] as unknown as { spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } } };
    dep.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    assert.throws(() => validateManifest(dep as never), /Deployment manifest is not valid: .*containerPort must be integer/);
  });

  it('YAML: strings a YAML 1.1 reader would take for booleans or numbers stay strings', () => {
    const tricky = { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'yes', b: 'on', c: '0777', d: '1e3', e: '---', f: 'null', g: '' } };
    const [back] = parseAllDocuments(manifestsYaml([tricky]), { version: '1.1' }).map((d) => d.toJS());
    assert.deepEqual(back, tricky);
  });
});
