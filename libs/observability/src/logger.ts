import type { LoggerService } from '@nestjs/common';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogSink = (line: string) => void;

/**
 * Structured JSON logs, one object per line: `{"ts","level","service","msg",...fields}`. Serves as
 * Nest's logger and as the logger handed to the Kafka adapters, so every line of a process has the
 * same shape and can be shipped as is.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly service: string,
    private readonly level: LogLevel = 'info',
    private readonly sink: LogSink = (line) => process.stdout.write(line),
  ) {}

  debug(message: unknown, fields?: unknown): void {
    this.write('debug', message, fields);
  }
  info(message: unknown, fields?: unknown): void {
    this.write('info', message, fields);
  }
  warn(message: unknown, fields?: unknown): void {
    this.write('warn', message, fields);
  }
  error(message: unknown, fields?: unknown): void {
    this.write('error', message, fields);
  }
  /** Nest's name for info. */
  log(message: unknown, fields?: unknown): void {
    this.write('info', message, fields);
  }
  verbose(message: unknown, fields?: unknown): void {
    this.write('debug', message, fields);
  }

  private write(level: LogLevel, message: unknown, fields: unknown): void {
    if (rank[level] < rank[this.level]) return;
    const entry: Record<string, unknown> = { ts: new Date().toISOString(), level, service: this.service };
    entry.msg = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
    if (message instanceof Error && message.stack !== undefined) entry.stack = message.stack;
    // Nest passes its context (a class name) or a stack trace as a trailing string argument.
    if (typeof fields === 'string') entry.context = fields;
    else if (typeof fields === 'object' && fields !== null) Object.assign(entry, fields);
    this.sink(`${safeStringify(entry)}\n`);
  }
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Error ? v.message : v));
  } catch {
    return JSON.stringify({ msg: 'unserialisable log entry' });
  }
}
