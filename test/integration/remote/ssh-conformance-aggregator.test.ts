import { describeNetworkControl } from '@dpb/testkit';
import { WAN_YAML } from '../rest/broker';
import { sshFixture } from './ssh-fixtures';

jest.setTimeout(20_000);

describeNetworkControl('SshNetwork over an aggregator', sshFixture(WAN_YAML, 'wan', ['frankfurt', 'london', 'paris']));
