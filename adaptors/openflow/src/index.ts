export * from './interface-description';
export * from './openflow-config';
export * from './app-client';
export * from './openflow-fabric';
export * from './openflow-fabric-driver';
