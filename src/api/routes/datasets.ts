import { Type } from '../typebox.ts';
import { route } from '../contract.ts';
import { DatasetSummary, DatasetValidation, DatasetVersion, ValidationFindings } from '../records.ts';
import { AnyJson, Int, Items } from '../schema.ts';

const tag = 'datasets';

export const listDatasets = route({ method: 'GET', path: '/api/v1/datasets', role: 'viewer', tag, summary: 'Registered datasets (latest version of each)', responses: { 200: Items(DatasetSummary) } });
export const registerDataset = route({
  method: 'POST', path: '/api/v1/datasets', role: 'member', tag, summary: 'Register a dataset version (same content hash: the existing version)',
  body: Type.Object({
    name: Type.String({ minLength: 1 }),
    contentHash: Type.String({ minLength: 1 }),
    source: Type.String({ minLength: 1 }),
    rows: Int(0),
    columns: Int(0),
    schema: Type.Optional(AnyJson),
    profile: Type.Optional(AnyJson),
  }),
  responses: { 201: DatasetVersion },
});
export const listDatasetVersions = route({ method: 'GET', path: '/api/v1/datasets/:name', role: 'viewer', tag, summary: 'Versions of a dataset, newest first', responses: { 200: Items(DatasetSummary) } });
export const getDatasetVersion = route({ method: 'GET', path: '/api/v1/datasets/:name/versions/:version', role: 'viewer', tag, summary: 'A dataset version with schema and profile', responses: { 200: DatasetVersion } });
export const listDatasetValidations = route({
  method: 'GET', path: '/api/v1/datasets/:name/versions/:version/validations', role: 'viewer', tag, summary: 'Checks of a dataset version (anomalies, drift), newest first',
  query: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'at most this many, default 20' })) }),
  responses: { 200: Items(DatasetValidation) },
});
export const addDatasetValidation = route({
  method: 'POST', path: '/api/v1/datasets/:name/versions/:version/validations', role: 'member', tag, summary: 'Record a check of a dataset version',
  body: Type.Object(ValidationFindings),
  responses: { 201: DatasetValidation },
});
