export * from './rest-network';
export * from './rest-management';
export { RestService, MAX_SERVER_WAIT_MS } from './rest-service';
export { parseSse, type SseEvent } from './sse';
