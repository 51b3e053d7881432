import { localS3 } from '../../../test/s3.ts';
import { artifactStoreConformance } from '../artifact-conformance.ts';
import { S3ArtifactStore } from './artifact-store.ts';

let n = 0;
artifactStoreConformance('S3 (a local S3-protocol server)', async () => {
  const { env } = await localS3();
  // the SDK reads credentials from the environment it is given by the process
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY });
  return new S3ArtifactStore(`s3://capstan/run-${n++}/artifacts`, env);
});
