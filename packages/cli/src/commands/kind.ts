import { apiPath } from '../api-client';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import type { NetworkJson } from '../wire';

/** The kind of a network (switch, aggregator, ...), asked of the server. */
export async function networkKind(ctx: CommandContext, network: string): Promise<string> {
  const n = await ctx.client.get<NetworkJson>(apiPath('networks', network), `look up network ${network}`);
  return n.kind;
}

/** A refusal the CLI makes itself because the network is of the wrong kind (exit code 1). */
export function wrongKind(network: string, kind: string, what: string, needed: string): CliError {
  return new CliError(`cannot ${what}: network ${network} is ${article(kind)} ${kind}, and only ${needed}`, EXIT.REFUSED);
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}
