import { InitialSchema1767225600001 } from './0001-initial-schema';

/** Every migration, oldest first. Append; never edit or remove a shipped one. */
export const MIGRATIONS = [InitialSchema1767225600001];
