export * from './memory/memory-stores';
