export * from './common';
export * from './rest';
export * from './ssh';
