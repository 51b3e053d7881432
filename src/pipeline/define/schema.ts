// the pipeline file's schema is part of the API's contract (the API takes pipeline specs too)
export { PORT_TYPES, portAccepts, PipelineSpecSchema, StepSpec, ParamSpec, type PipelineSpec, type PortType } from '../../api/pipeline-spec.ts';
