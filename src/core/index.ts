export * from './errors.ts';
export * from './ids.ts';
export * from './random.ts';
export * from './table.ts';
export * from './schema.ts';
export * from './config.ts';
export * from './search.ts';
export * from './datetime.ts';
