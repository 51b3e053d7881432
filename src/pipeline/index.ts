// user pipelines: a YAML/JSON spec or the TypeScript builder, built-in components, the local engine with its cache
export { parsePipeline, pipelineYaml, type ParsedPipeline, type Locate } from './define/parse.ts';
export { PipelineSpecSchema, PORT_TYPES, type PipelineSpec, type StepSpec, type PortType as PipelinePortType } from './define/schema.ts';
export { compilePipeline, compileOrThrow, formatProblem, resolveParams, type CompiledPipeline, type PipelineProblem, type PlannedStep } from './define/compile.ts';
export { COMPONENTS, getComponent, component, type Component, type ComponentContext, type FileRef, type ModelRef } from './components/index.ts';
export { runCompiledPipeline, cancelPipelineRun, type RunOptions, type PipelineEvent, type PipelineRunResult, type StepResult } from './engine/run.ts';
export { PipelineBuilder, isTrue, isFalse, compare, type Ref as PipelineRef, type StepInputs, type StepOptions } from './define/builder.ts';
export * as components from './components/index.ts';
export { describePipelineRun, listPipelineRuns, stepLog, type PipelineRunView, type PipelineRunSummary } from './engine/describe.ts';
export { startWorkflowRun, runWorkflowStep, finishWorkflowRun } from './engine/workflow.ts';
export { argoWorkflow, type ArgoOptions } from './targets/argo.ts';
export { runPipelineOnWorkers, PIPELINE_STEP_JOB, type StepJob } from './engine/distributed.ts';
export { resumePipelineRun } from './engine/resume.ts';
export { nextFire, fireDueSchedules, startScheduler, startPipeline, startResume } from './engine/schedules.ts';
export { retrainModel, checkCanaries, monitorPass, CANARY_TAG, type RetrainOutcome, type CanaryOutcome, type CanaryState } from './retrain.ts';
