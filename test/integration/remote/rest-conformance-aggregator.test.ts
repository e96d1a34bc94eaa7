import { describeNetworkControl } from '@dpb/testkit';
import { WAN_YAML } from '../rest/broker';
import { restFixture } from './rest-fixtures';

jest.setTimeout(20_000);

describeNetworkControl('RestNetwork over an aggregator', restFixture(WAN_YAML, 'wan', ['london', 'paris', 'frankfurt']));
