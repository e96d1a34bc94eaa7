export * from './conformance/network-control';
export * from './conformance/store';
