import { stringifyApiJson } from '../core/json.ts';

/**
 * The one way a command prints a JSON document (`--json`): indented, and numbers that are not finite written as the strings
 * "NaN", "Infinity" and "-Infinity", as the REST API writes them, so every JSON parser reads the output.
 */
export function printJson(doc: unknown): void {
  process.stdout.write(stringifyApiJson(doc, 1) + '\n');
}

/** What a command prints: human progress on a terminal, or exactly one JSON document with --json. */
export class Output {
  constructor(readonly json: boolean) {}

  line(text = ''): void {
    if (!this.json) process.stdout.write(text + '\n');
  }

  stage(index: number, total: number, title: string): void {
    this.line(`\n[${index + 1}/${total}] ${title}`);
  }

  detail(text: string): void {
    this.line(text.replace(/^(?=.)/gm, '    '));
  }

  document(doc: unknown): void {
    if (this.json) printJson(doc);
  }
}
