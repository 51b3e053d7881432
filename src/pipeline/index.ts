export { step, type Pipeline, type Step, type StepContext, type PortType } from './spec.ts';
export { lintPipeline, planPipeline, type LintProblem } from './lint.ts';
export { runPipeline, type ExecutorHooks, type PipelineResult } from './local-executor.ts';
