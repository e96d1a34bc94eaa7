export * from './types';
export { plan } from './plan';
export { PlanningGraph, type PlanningEdgeAttributes, type PlanningNodeAttributes } from './planning-graph';
export { DEFAULT_LOAD_WEIGHT } from './load-weight';
