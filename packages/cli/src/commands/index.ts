import { type NounSpec, verbOf } from '../context';
import { networksNoun } from './networks';
import { quotasNoun } from './quotas';
import { servicesNoun } from './services';
import { terminalsNoun } from './terminals';
import { trunksNoun } from './trunks';

/** Every noun of `dpb <noun> <verb>`, in help order. */
export const NOUNS: readonly NounSpec[] = [networksNoun, terminalsNoun, quotasNoun, trunksNoun, servicesNoun];

/**
 * The names of all commands, as the words that invoke them: `networks list`,
 * ..., `services await`, then `help`, `completion` (unless
 * `fixedConnection`) and `dpb-client`. For tab completion and help in the
 * management shell.
 */
export function commandNames(options: { fixedConnection?: boolean } = {}): string[] {
  const out: string[] = [];
  for (const n of NOUNS) for (const v of n.verbs) out.push(`${n.name} ${verbOf(v)}`);
  out.push('help');
  if (!options.fixedConnection) out.push('completion');
  out.push('dpb-client');
  return out;
}
