export * from './logical-switch';
export * from './switch-service';
export * from './terminal-table';
