import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { invalid } from '../../core/errors.ts';
import { schemaMessage } from '../../core/schema-message.ts';
import type { PipelineSpec } from './schema.ts';
import { checkSpec as check } from './spec-check.ts';

/** Where in the file a path of the document is: its line (1-based), when the spec came from a file. */
export type Locate = (path: (string | number)[]) => number | undefined;

export interface ParsedPipeline {
  spec: PipelineSpec;
  locate: Locate;
}

/**
 * A pipeline file's text (YAML, of which JSON is a subset) as a checked spec. A problem is an INVALID_ARGUMENT naming the
 * field, and the line where the file has it.
 */
export function parsePipeline(text: string, file = 'pipeline'): ParsedPipeline {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw invalid(`${file}${e.linePos ? `:${e.linePos[0].line}` : ''}: not valid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const locate: Locate = (path) => {
    let node: unknown = doc.contents;
    for (const key of path) {
      if (isMap(node)) node = node.get(key, true);
      else if (isSeq(node)) node = node.get(key as number, true);
      else return undefined;
    }
    const range = (node as Node | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  const value = doc.toJS({ maxAliasCount: 100 });
  if (!check(value)) {
    const e = check.errors![check.errors!.length - 1];
    const path = e.instancePath.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const line = locate(path);
    throw invalid(`${file}${line ? `:${line}` : ''}: ${schemaMessage(check.errors!, 'the pipeline')}`);
  }
  return { spec: value as PipelineSpec, locate };
}

/** The spec as text for a file (YAML); parsing it gives the same spec. */
export { stringify as pipelineYaml } from 'yaml';
