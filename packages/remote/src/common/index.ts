export * from './backoff';
export * from './remote-errors';
export * from './event-queue';
export * from './availability';
