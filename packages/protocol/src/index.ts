export * from './error-mapping';
export * from './rest-schemas';
