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
    this.line(`    ${text}`);
  }

  document(doc: unknown): void {
    if (this.json) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  }
}
