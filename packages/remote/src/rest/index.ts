export * from './rest-network';
export { RestService, MAX_SERVER_WAIT_MS } from './rest-service';
export { parseSse, type SseEvent } from './sse';
