export * from './error-mapping';
export * from './rest-schemas';
export * from './dpb-json';
