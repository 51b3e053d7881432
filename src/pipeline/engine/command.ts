import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { isFileRef, isModelRef, type ComponentContext } from '../components/index.ts';
import { fitsType } from '../define/compile.ts';
import type { PortType } from '../define/schema.ts';

/** The identity of a command for the cache: its arguments, and the content of every argument that names a file (the script). */
export async function commandCode(argv: string[], baseDir: string): Promise<string> {
  const h = createHash('sha256');
  for (const a of argv) {
    h.update(a).update('\0');
    const path = isAbsolute(a) ? a : resolve(baseDir, a);
    try {
      if ((await stat(path)).isFile()) h.update(await readFile(path));
    } catch {
      // not a file: the argument is its own identity
    }
  }
  return `command:${h.digest('hex')}`;
}

/**
 * Run a program as a step. It finds a JSON manifest at $CAPSTAN_MANIFEST: `inputs` (each a `value`, or a `path` to a copy of
 * a file input), `outputs` (each with its type, and the `path` to write a file output to) and `values` (the file to write the
 * other outputs to, as one JSON object); the same paths are in $CAPSTAN_VALUES, $CAPSTAN_INPUTS/NAME and $CAPSTAN_OUTPUTS/NAME
 * for shell steps. It runs in the pipeline file's folder; stdout and stderr go to the step's log.
 */
export async function runCommand(argv: string[], inputs: Record<string, unknown>, outputs: Record<string, PortType>, ctx: ComponentContext): Promise<Record<string, unknown>> {
  const inDir = join(ctx.workdir, 'inputs');
  const outDir = join(ctx.workdir, 'outputs');
  await mkdir(inDir, { recursive: true });
  await mkdir(outDir, { recursive: true });
  const manifest = { inputs: {} as Record<string, unknown>, outputs: {} as Record<string, unknown>, values: join(ctx.workdir, 'values.json') };
  for (const [k, v] of Object.entries(inputs)) {
    if (isFileRef(v)) {
      const path = join(inDir, k);
      await copyFile(await ctx.localPath(v), path);
      manifest.inputs[k] = { type: 'file', path };
    } else manifest.inputs[k] = { type: isModelRef(v) ? 'model' : 'json', value: v };
  }
  for (const [k, t] of Object.entries(outputs)) manifest.outputs[k] = t === 'file' ? { type: t, path: join(outDir, k) } : { type: t };
  const manifestPath = join(ctx.workdir, 'manifest.json');
  await writeFile(manifestPath, JSON.stringify(manifest, null, 1));

  if (!(await stat(ctx.baseDir).catch(() => null))?.isDirectory()) throw new Error(`the folder commands run in (${ctx.baseDir}) does not exist`);
  const code = await new Promise<number | string>((done, fail) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: ctx.baseDir, env: { ...process.env, CAPSTAN_MANIFEST: manifestPath, CAPSTAN_VALUES: manifest.values, CAPSTAN_INPUTS: inDir, CAPSTAN_OUTPUTS: outDir }, stdio: ['ignore', 'pipe', 'pipe'], signal: ctx.signal });
    const lines = (prefix: string) => {
      let rest = '';
      return (chunk: Buffer) => {
        const text = rest + chunk.toString('utf8');
        const parts = text.split('\n');
        rest = parts.pop()!;
        for (const l of parts) ctx.log(prefix + l);
      };
    };
    child.stdout.on('data', lines(''));
    child.stderr.on('data', lines('stderr: '));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') fail(new Error(`command not found: ${argv[0]}`));
      else if (e.name === 'AbortError') fail(ctx.signal.reason ?? e);
      else fail(e);
    });
    child.on('close', (c, signal) => done(c ?? signal ?? 'killed'));
  });
  if (code !== 0) throw new Error(`${argv[0]} exited with ${typeof code === 'number' ? `code ${code}` : code} (its output is in the step's log)`);

  const out: Record<string, unknown> = {};
  let values: Record<string, unknown> = {};
  if (Object.values(outputs).some((t) => t !== 'file')) {
    try {
      values = JSON.parse(await readFile(manifest.values, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new Error(`${argv[0]} did not write its outputs as a JSON object to the manifest's "values" file`);
    }
  }
  for (const [k, t] of Object.entries(outputs)) {
    if (t === 'file') {
      try {
        out[k] = await ctx.saveFile(join(outDir, k));
      } catch {
        throw new Error(`${argv[0]} did not write output "${k}" (a file, at the manifest's outputs.${k}.path)`);
      }
    } else {
      if (!(k in values)) throw new Error(`${argv[0]} did not write output "${k}" (a ${t}) to the values file`);
      if (!fitsType(values[k], t)) throw new Error(`output "${k}" must be a ${t}, got ${JSON.stringify(values[k])?.slice(0, 60)}`);
      out[k] = values[k];
    }
  }
  return out;
}
