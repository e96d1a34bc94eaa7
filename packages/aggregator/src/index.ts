export { Aggregator, type AggregatorOptions } from './aggregator';
export { AggregatorService } from './aggregator-service';
export { modelChords } from './model-chords';
export { TrunkState, rangesFromPairs } from './trunk-table';
