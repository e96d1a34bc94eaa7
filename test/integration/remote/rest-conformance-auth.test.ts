import { describeNetworkControl } from '@dpb/testkit';
import { WAN_YAML } from '../rest/broker';
import { AUTH_SERVER, restFixture, TOKEN, USERS_YAML } from './rest-fixtures';

jest.setTimeout(20_000);

describeNetworkControl(
  'RestNetwork with auth: required and a token',
  restFixture(`${USERS_YAML}${WAN_YAML}`, 'wan', ['london', 'paris', 'frankfurt'], { server: AUTH_SERVER, client: { token: TOKEN } }),
);
