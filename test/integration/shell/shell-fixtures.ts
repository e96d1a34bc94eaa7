import { silentLogger, type Logger } from '@dpb/model';
export { type Listeners, parseConfig, startListeners, wire, type Wired } from '@dpb/server';

/** A logger that stays quiet (set DPB_TEST_LOG=1 to see the server's lines). */
export function silentLoggerFor(): Logger {
  if (!process.env.DPB_TEST_LOG) return silentLogger;
  const line = (level: string) => (m: string, f?: Record<string, unknown>) => process.stderr.write(`${level} ${m} ${JSON.stringify(f ?? {})}\n`);
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
