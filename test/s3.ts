import { after } from 'node:test';
import S3rver from 's3rver';
import { tempHome } from './helpers.ts';

/** An S3-protocol server on a random port, started by the test (no S3 server installs here). */
const servers: S3rver[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

export async function localS3(bucket = 'capstan'): Promise<{ endpoint: string; env: NodeJS.ProcessEnv }> {
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: tempHome(), configureBuckets: [{ name: bucket, configs: [] }] });
  servers.push(server);
  const { port } = (await server.run()) as unknown as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  return { endpoint, env: { AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } };
}

