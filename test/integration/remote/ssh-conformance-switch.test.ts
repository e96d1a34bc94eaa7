import { describeNetworkControl } from '@dpb/testkit';
import { LAB_YAML, sshFixture } from './ssh-fixtures';

jest.setTimeout(20_000);

describeNetworkControl('SshNetwork over a switch', sshFixture(LAB_YAML, 'lab', ['a', 'b', 'c']));
