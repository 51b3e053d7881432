import { api } from '../../../api/index.ts';
import type { ArtifactStore, MetadataStore } from '../../../store/index.ts';
import type { Router } from '../../router.ts';

/** Run artifacts: streamed in and out, stored as content-addressed blobs, indexed per run and path. */
export function artifactRoutes(router: Router, store: MetadataStore, artifacts: ArtifactStore, maxBytes: number): void {
  router.on(api.putArtifact, async ({ params, raw }) => {
    await store.runs.get(params.runId);
    // a streamed body: always read by node's parser (the lean reader takes only JSON bodies)
    const blob = await artifacts.putBlob(raw!, { maxBytes });
    return { status: 201, body: await store.runs.putArtifact({ runId: params.runId, path: params.path, digest: blob.digest, size: blob.size }) };
  });
  router.on(api.getArtifact, async ({ params }) => {
    const entry = await store.runs.getArtifact(params.runId, params.path);
    const { stream, size } = await artifacts.openBlob(entry.digest);
    return { status: 200, stream, headers: { 'content-length': String(size), etag: `"${entry.digest}"`, 'x-content-sha256': entry.digest } };
  });
  router.on(api.listArtifacts, async ({ params }) => ({ status: 200, body: { items: await store.runs.listArtifacts(params.runId) } }));
}
