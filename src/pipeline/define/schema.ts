// the pipeline file's schema is part of the API's contract (the API takes pipeline specs too)
export { PORT_TYPES, PipelineSpecSchema, StepSpec, ParamSpec, type PipelineSpec, type PortType } from '../../api/pipeline-spec.ts';
