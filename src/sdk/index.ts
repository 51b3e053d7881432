export { CapstanClient } from './client.ts';
