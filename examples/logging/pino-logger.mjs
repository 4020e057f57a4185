// Both of runicorn's logs through pino, as JSON lines in one file:
//
//   LOG_FILE=/var/log/app/app.log runicorn --logger-class examples/logging/pino-logger.mjs examples/hello.mjs
//
// runicorn calls the default export with its settings, in the arbiter and in every worker; each
// process appends to the file itself (pino's sonic-boom destination), and USR1 reopens it for
// logrotate. To send logs elsewhere (Loki, Elasticsearch, Datadog), give pino a transport instead.
import pino from 'pino';

const LEVELS = { debug: 'debug', info: 'info', warning: 'warn', error: 'error', critical: 'fatal' };

export default function pinoLogger(config) {
  const destination = pino.destination({ dest: process.env.LOG_FILE ?? 'app.log', append: true, sync: false });
  const log = pino({ level: LEVELS[config.logLevel] ?? 'info' }, destination);
  return {
    log: (level, message) => log[LEVELS[level]](message),
    access: ({ line, method, url, status, bytes, durationMs, remoteAddress }) =>
      log.info({ req: { method, url, remoteAddress }, res: { status, bytes }, durationMs }, line),
    reopen: () => destination.reopen(),
    close: () => destination.flushSync(),
  };
}
