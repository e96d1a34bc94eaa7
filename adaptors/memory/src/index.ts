export * from './memory-fabric';
export * from './interface-description';
export * from './memory-fabric-driver';
