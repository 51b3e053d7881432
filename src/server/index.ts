export { createApp, listen, type AppOptions } from './app.ts';
export type { HttpServer } from './http.ts';
export { SingleModelProvider, RegistryModelProvider, type ModelProvider } from './model-provider.ts';
export { adminToken, checkTokenStrength, createAuthenticator } from './auth.ts';
export { loadUi, UI_CSP, UI_DIR } from './static-ui.ts';
export { warmUpServer, type WarmUpOptions } from './warm-up.ts';
