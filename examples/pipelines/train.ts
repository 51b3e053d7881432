/**
 * The pipeline of train.yaml, written in TypeScript: the compiler checks every input against its component's port types.
 * `capstan pipeline run` takes the YAML; this module gives the same document (`trainPipeline().toSpec()`).
 */
import { components, isTrue, PipelineBuilder } from '../../src/pipeline/index.ts';

export function trainPipeline(): PipelineBuilder {
  const { load, split, train, evaluateModel, register, deploy, noop } = components;
  const p = new PipelineBuilder('train-churn', { description: 'Load the telco churn data, split it, train a GBDT, gate it on the held-out ROC AUC, register it when it passes and write its Kubernetes manifests.' });
  const data = p.param('data', 'string', '../telco-churn/telco_churn.csv');
  const model = p.param('model', 'string', 'churn-pipeline');
  const minAuc = p.param('minAuc', 'number', 0.8);
  const gbdt = p.param('gbdt', 'json', { n_estimators: 100, max_depth: 3 });
  const loaded = p.step('load', load, { path: data, name: 'telco_churn' });
  const parts = p.step('split', split, { data: loaded.outputs.data, stratify: 'churn' });
  const fitted = p.step('train', train, { data: parts.outputs.train, target: 'churn', learner: 'gbdt', params: gbdt }, { retries: 1, timeoutSeconds: 600 });
  const gate = p.step('gate', evaluateModel, { model: fitted.outputs.model, data: parts.outputs.test, min: minAuc });
  const registered = p.step('register', register, { model: fitted.outputs.model, name: model, description: 'gated on the held-out ROC AUC' }, { when: isTrue(gate.outputs.passed) });
  p.step('manifests', deploy, { name: model, version: registered.outputs.version, replicas: 2 });
  p.finally('done', noop, { value: model });
  return p;
}
