/** dpb-server's SSH server: the DPB JSON protocol on `exec <network>`, and the management shell hook. */
export { DEFAULT_SSH_LIMITS, networkFromCommand, type RunningSshServer, type ShellInfo, type SshLimits, type SshServerOptions, startSshServer } from './ssh-server';
export { generateHostKeyPair, type HostKey, loadOrCreateHostKey, sshFingerprint } from './host-key';
export { DEFAULT_JSON_CHANNEL_LIMITS, EXIT_FRAMING, EXIT_OK, EXIT_REFUSED, type JsonChannelLimits } from './json-connection';
export { dumpStatus } from './dpb-handlers';
