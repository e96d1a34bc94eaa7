export * from './config/schema';
export * from './config/load';
export * from './logger';
export * from './networks';
export * from './wiring';
export { createApp, OPENAPI, ROUTES, type AppOptions } from './rest/app';
export { buildOpenApi, expressPath } from './rest/openapi';
export type { RouteDef } from './rest/route';
export { demoCurl } from './main';
