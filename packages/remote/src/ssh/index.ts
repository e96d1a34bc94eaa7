export * from './ssh-url';
export * from './ssh-connection';
export * from './ssh-network';
