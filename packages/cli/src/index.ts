/**
 * @dpb/cli — the `dpb` command-line client over REST v1, and a programmatic
 * entry point ({@link runCli}) the server's management shell runs in-process.
 */
export { runCli, CLI_VERSION } from './run-cli';
export { commandNames, NOUNS } from './commands';
export { splitWords } from './split-words';
export type { CliIo, CommandSpec, NounSpec } from './context';
export type { Transport, TransportResponse, TransportEvent, RequestOptions } from './transport';
export { HttpTransport, type HttpTransportOptions, DEFAULT_REQUEST_TIMEOUT_MS } from './http-transport';
export { SseParser } from './sse';
export { ApiClient, apiPath } from './api-client';
export { ApiError, CliError, EXIT, HttpReplyError, InterruptedError, TransportError, UsageError } from './errors';
export { DEFAULT_URL, defaultConfigPath, parseConfigText, resolveSettings, type CliConfigFile, type Settings } from './config';
export {
  parseCircuit,
  parseDuration,
  parseLabelRangeArg,
  parseMbps,
  parseQuota,
  parseSignedMbps,
  parseStatusList,
  parseTrunkArg,
  type CircuitDefaults,
  type TrunkArg,
} from './parse';
export {
  formatMbps,
  renderEvent,
  renderModel,
  renderNetwork,
  renderNetworks,
  renderService,
  renderServices,
  renderTable,
  renderTerminal,
  renderTerminals,
  renderTrunk,
  renderTrunks,
  serviceLine,
  type Column,
} from './output';
export { DPB_CLIENT_HELP, parseDpbClientWords, type DpbClientStep } from './compat/dpb-client';
