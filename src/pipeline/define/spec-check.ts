import { Ajv2020 } from 'ajv/dist/2020.js';
import { PipelineSpecSchema } from './schema.ts';

/**
 * The pipeline file's schema check. The build replaces this module's compiled form with ajv's standalone code for the same
 * schema (scripts/build.mjs): importing ajv and compiling the schema took ~110 ms of every `capstan pipeline` command.
 */
export const checkSpec = new Ajv2020({ strict: false, verbose: true, validateSchema: false }).compile(PipelineSpecSchema);
