/**
 * The DPB JSON command protocol (dpb-interfaces.md §2), transport-free:
 * framing, envelopes and handshake, the message catalogue, and the error
 * mapping. Used by the SSH server and by clients.
 */
export * from './frame-codec';
export * from './envelope';
export * from './messages';
export * from './dpb-errors';
