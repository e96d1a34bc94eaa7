import { errors, type FabricInterface, type LabelSpace, MAX_LABEL } from '@dpb/model';

/** Labels an interface accepts when its description names none: the VLAN ids. */
export const DEFAULT_LABEL_SPACE: Readonly<LabelSpace> = { min: 0, max: 4095 };

const DESCRIPTION = /^([A-Za-z0-9_.-]+)(?:\/(\d+)-(\d+))?$/;

/** A parsed memory-fabric interface: the port plus the labels it accepts. */
export interface MemoryInterface extends FabricInterface {
  port: string;
}

/**
 * Parses a memory-fabric interface description: `<port>` (labels 0..4095,
 * the VLAN ids) or `<port>/<min>-<max>` for another label space. The port is
 * letters, digits and `_ . -`. Surrounding blanks are ignored and numbers are
 * normalised, so equal interfaces get equal canonical descriptions; a range
 * equal to the default is written as the bare port.
 *
 * Throws INVALID_ARGUMENT (details.field `interface`, details.value) when malformed.
 */
export function parseInterfaceDescription(description: string): MemoryInterface {
  const bad = (why: string): never => {
    throw errors.invalid(`interface description ${JSON.stringify(description)} ${why}`, {
      kind: 'interface',
      field: 'interface',
      value: typeof description === 'string' ? description.slice(0, 80) : String(description),
    });
  };
  if (typeof description !== 'string') return bad('must be a string');
  const m = DESCRIPTION.exec(description.trim());
  if (!m) return bad("must look like <port> or <port>/<min>-<max>, the port made of letters, digits, '_', '.', '-'");
  const port = m[1] as string;
  let labels: LabelSpace = { ...DEFAULT_LABEL_SPACE };
  if (m[2] !== undefined && m[3] !== undefined) {
    const min = Number(m[2]);
    const max = Number(m[3]);
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max > MAX_LABEL) {
      bad(`has a label beyond ${MAX_LABEL}`);
    }
    if (min > max) bad('has an empty label range (min > max)');
    labels = { min, max };
  }
  const isDefault = labels.min === DEFAULT_LABEL_SPACE.min && labels.max === DEFAULT_LABEL_SPACE.max;
  return { port, labels, description: isDefault ? port : `${port}/${labels.min}-${labels.max}` };
}
