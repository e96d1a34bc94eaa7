export * from './memory/memory-stores';
export { createDataSource, MIGRATIONS_TABLE, type SqliteStoreOptions } from './data-source';
export { openSqliteStore, SqliteStoreProvider } from './sqlite-store-provider';
export { SqliteSwitchStore } from './sqlite-switch-store';
export { SqliteAggregatorStore } from './sqlite-aggregator-store';
