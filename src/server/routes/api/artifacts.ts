import type { ArtifactStore, MetadataStore } from '../../../store/index.ts';
import type { Router } from '../../router.ts';

/** Run artifacts: streamed in and out, stored as content-addressed blobs, indexed per run and path. */
export function artifactRoutes(router: Router, store: MetadataStore, artifacts: ArtifactStore, maxBytes: number): void {
  const tag = 'artifacts';
  router.add('PUT', '/api/v1/runs/:runId/artifacts/*path', async (req) => {
    await store.runs.get(req.params.runId);
    const blob = await artifacts.putBlob(req.raw, { maxBytes });
    return { status: 201, body: await store.runs.putArtifact({ runId: req.params.runId, path: req.params.path, digest: blob.digest, size: blob.size }) };
  }, { role: 'member', tag, body: 'stream', summary: 'Upload an artifact (streamed; the body is the content)' });
  router.add('GET', '/api/v1/runs/:runId/artifacts/*path', async (req) => {
    const entry = await store.runs.getArtifact(req.params.runId, req.params.path);
    const { stream, size } = await artifacts.openBlob(entry.digest);
    return { status: 200, stream, headers: { 'content-length': String(size), etag: `"${entry.digest}"`, 'x-content-sha256': entry.digest } };
  }, { role: 'viewer', tag, summary: 'Download an artifact (streamed)' });
  router.add('GET', '/api/v1/runs/:runId/artifacts', async (req) => ({ status: 200, body: { items: await store.runs.listArtifacts(req.params.runId) } }), { role: 'viewer', tag, summary: 'List a run\'s artifacts' });
}
