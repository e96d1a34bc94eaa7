import { describeNetworkControl } from '@dpb/testkit';
import { restFixture, SWITCH_YAML } from './rest-fixtures';

jest.setTimeout(20_000);

describeNetworkControl('RestNetwork over a switch', restFixture(SWITCH_YAML, 'lab', ['a', 'b', 'c']));
