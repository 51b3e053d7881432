import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsArtifactStore, type MetadataStore, type Stores } from '../src/store/index.ts';

export const ROOT = join(import.meta.dirname, '..');
export const BIN = join(ROOT, 'bin', 'capstan.js');
export const TELCO = join(ROOT, 'examples', 'telco-churn', 'telco_churn.csv');
export const PENGUINS = join(ROOT, 'test', 'fixtures', 'penguins.csv');

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'capstan-test-'));
}

export function writeTemp(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-file-'));
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], home: string, extraEnv: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, CAPSTAN_HOME: home, ...extraEnv }, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function cliAsync(args: string[], home: string, extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    // as cli(): a process still running after two minutes is killed (status null) rather than hang the test
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CAPSTAN_HOME: home, ...extraEnv }, timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The PostgreSQL server the integration tests use (never skipped: a missing server fails the tests). */
export const PG_BASE = process.env.CAPSTAN_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A store URI on a fresh schema of the test server; `dropPgSchemas` removes every schema this process made. */
const madeSchemas: string[] = [];
export function pgTestUri(): string {
  const schema = `capstan_t${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  madeSchemas.push(schema);
  return `${PG_BASE}?schema=${schema}`;
}

export async function dropPgSchemas(): Promise<void> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: PG_BASE });
  await c.connect();
  try {
    for (const s of madeSchemas.splice(0)) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await c.end();
  }
}

/**
 * Put a version in front of a model's callers the governed way: a reviewer (not its author) approves it for champion, then
 * the champion alias moves to it.
 */
export async function approveChampion(store: MetadataStore, name: string, version: number): Promise<void> {
  const reviewer = { name: 'test-reviewer', role: 'approver' as const };
  await store.models.approve({ name, version, alias: 'champion', approver: reviewer, comment: 'approved by the test' });
  await store.models.setAlias(name, 'champion', version, reviewer);
}

/** The file artifact store behind stores opened by the tests, for checks that reach the files themselves (tampering). */
export function files(stores: Stores): FsArtifactStore {
  assert.ok(stores.artifacts instanceof FsArtifactStore, 'these tests run on the file artifact store');
  return stores.artifacts;
}
