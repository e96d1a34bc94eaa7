export * from './memory-fabric';
export * from './interface-description';
