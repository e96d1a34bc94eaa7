import { BrokerError, errors } from '@dpb/model';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, visit } from 'yaml';
import { FABRIC_DRIVERS } from '../fabric-drivers';
import { type DpbConfig, validateConfig } from './schema';

/** Checks every switch terminal's interface description with its fabric's parser; no two terminals on one interface. */
function checkInterfaces(config: DpbConfig): void {
  config.networks.forEach((n, i) => {
    if (n.kind !== 'switch') return;
    const driver = FABRIC_DRIVERS.get(n.fabric.kind);
    if (driver?.describeInterface === undefined) return; // checked when the fabric is built
    const seen = new Map<string, string>();
    for (const [t, desc] of Object.entries(n.terminals)) {
      const keyPath = `networks[${i}].terminals.${t}`;
      let canonical: string;
      try {
        canonical = driver.describeInterface(desc, n.fabric.config).description;
      } catch (e) {
        const b = e instanceof BrokerError ? e : undefined;
        throw errors.config(keyPath, b ? b.message : String(e), { network: n.name, terminal: t, value: desc });
      }
      const other = seen.get(canonical);
      if (other !== undefined) throw errors.config(keyPath, `interface ${canonical} is already used by terminal ${other}`, { network: n.name, terminal: t });
      seen.set(canonical, t);
    }
  });
}

/**
 * Parses YAML text into a validated {@link DpbConfig}. `baseDir` anchors
 * relative paths (the store file). Throws CONFIG_INVALID; syntax errors carry
 * `details.line`/`details.column`, and schema errors `details.path` (and the
 * line of the offending key, when known).
 */
export function parseConfig(text: string, options: { baseDir: string; source?: string }): DpbConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const source = options.source ?? '<config>';
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0] ?? (first.pos?.[0] !== undefined ? lineCounter.linePos(first.pos[0]) : undefined);
    throw errors.config('', `${source}: YAML syntax error: ${first.message.split('\n')[0]}`, {
      file: source,
      ...(pos ? { line: pos.line, column: pos.col } : {}),
    });
  }
  // a datapath id is an identifier, not a number: keep `dpid: 0000000000000010` as written (YAML would read 10)
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'dpid' && isScalar(pair.value) && pair.value.type === 'PLAIN' && typeof pair.value.source === 'string') {
        pair.value.value = pair.value.source;
      }
    },
  });
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  try {
    const config = validateConfig(raw, options.baseDir);
    checkInterfaces(config);
    return config;
  } catch (e) {
    if (e instanceof BrokerError && e.code === 'CONFIG_INVALID' && typeof e.details.path === 'string') {
      const line = lineOf(doc.contents, e.details.path, lineCounter);
      e.details.file = source;
      if (line !== undefined) e.details.line = line;
    }
    throw e;
  }
}

/** Reads and validates a config file. */
export function loadConfig(file: string): DpbConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw errors.config('', `cannot read config file ${file}: ${(e as Error).message}`, { file });
  }
  return parseConfig(text, { baseDir: path.dirname(path.resolve(file)), source: file });
}

/** Finds the line of a key path like `networks[2].trunks[0].labels` in the YAML tree. */
function lineOf(root: unknown, keyPath: string, lc: LineCounter): number | undefined {
  const parts = keyPath.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let node: unknown = root;
  let best: number | undefined;
  for (const part of parts) {
    const here = (node as YamlNode | undefined)?.range?.[0];
    if (here !== undefined) best = lc.linePos(here).line;
    if (part.startsWith('[') && isSeq(node)) {
      node = node.items[Number(part.slice(1, -1))];
    } else if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === part);
      const keyNode = pair?.key as YamlNode | undefined;
      if (keyNode?.range) best = lc.linePos(keyNode.range[0]).line;
      node = pair?.value;
    } else break;
  }
  const end = (node as YamlNode | undefined)?.range?.[0];
  return end !== undefined ? lc.linePos(end).line : best;
}
