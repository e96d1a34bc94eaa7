import { AggregatorServiceEntity } from './aggregator-service.entity';
import { AggregatorTerminalEntity } from './aggregator-terminal.entity';
import { CounterEntity } from './counter.entity';
import { SubserviceEntity } from './subservice.entity';
import { SwitchServiceEntity } from './switch-service.entity';
import { SwitchTerminalEntity } from './switch-terminal.entity';
import { TrunkLabelRangeEntity } from './trunk-label-range.entity';
import { TrunkEntity } from './trunk.entity';
import { TunnelEntity } from './tunnel.entity';

export {
  AggregatorServiceEntity,
  AggregatorTerminalEntity,
  CounterEntity,
  SubserviceEntity,
  SwitchServiceEntity,
  SwitchTerminalEntity,
  TrunkEntity,
  TrunkLabelRangeEntity,
  TunnelEntity,
};
export type { CounterName } from './counter.entity';

/** Every entity of the store's schema. */
export const ENTITIES = [
  SwitchTerminalEntity,
  SwitchServiceEntity,
  AggregatorTerminalEntity,
  TrunkEntity,
  TrunkLabelRangeEntity,
  AggregatorServiceEntity,
  SubserviceEntity,
  TunnelEntity,
  CounterEntity,
];
