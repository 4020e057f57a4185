#!/usr/bin/env node
/**
 * The baseline runicorn is benchmarked against: a bare `node:http` hello world under
 * `node:cluster` with `SCHED_NONE`, so, as in runicorn, every worker accepts straight from the
 * kernel and the primary never touches a connection. With a protocol argument it serves the same
 * response over HTTPS (`https.createServer`) or HTTP/2 with HTTP/1.1 fallback
 * (`http2.createSecureServer({ allowHTTP1: true })`, ALPN `h2`, `http/1.1`), from the key and
 * certificate in `KEYFILE` and `CERTFILE` (PEM paths), as runicorn's `--keyfile`/`--certfile`.
 *
 * Why plain CommonJS and no framework: this is the fastest thing a user could run with Node's own
 * tools; any layer added here would flatter runicorn. The response is byte-for-byte the one of
 * `examples/hello.mjs` (same body, same two headers, built once).
 *
 * Port: argv[2], else `PORT`, else 0. With 0 the OS picks a free port and, because cluster
 * workers share the primary's handle for the same `listen(0)` call, every worker gets that same
 * port. Workers: argv[3], else `WORKERS`, else 2. Protocol: argv[4], else `PROTOCOL`, else
 * `http`; one of `http`, `https`, `h2`. `NODE_CLUSTER_SCHED_POLICY` is honoured; when unset the
 * policy is forced to `none` (workers accept).
 *
 * Once every worker listens, the primary prints one line on stdout (`https://` for https and h2):
 *   ready http://127.0.0.1:PORT policy=none primary=PID workers=PID,PID
 * SIGTERM or SIGINT stop the workers and then the primary.
 *
 * @example
 * // NODE_CLUSTER_SCHED_POLICY=none node bench/bare-cluster.cjs 0 2
 * // KEYFILE=key.pem CERTFILE=cert.pem node bench/bare-cluster.cjs 0 2 h2
 */
'use strict';
const cluster = require('node:cluster');
const http = require('node:http');

if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_NONE;

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const workers = Number(process.argv[3] ?? process.env.WORKERS ?? 2);
const protocol = process.argv[4] ?? process.env.PROTOCOL ?? 'http';
const host = '127.0.0.1';

if (cluster.isPrimary) {
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`bad port: ${process.argv[2] ?? process.env.PORT}`);
  if (!Number.isInteger(workers) || workers < 1)
    throw new Error(`bad worker count: ${process.argv[3] ?? process.env.WORKERS}`);
  if (!['http', 'https', 'h2'].includes(protocol)) throw new Error(`bad protocol: ${protocol} (http, https or h2)`);
  if (protocol !== 'http' && !(process.env.KEYFILE && process.env.CERTFILE))
    throw new Error(`${protocol} needs KEYFILE and CERTFILE in the environment`);
  const listening = new Map();
  let stopping = false;
  cluster.on('listening', (worker, address) => {
    listening.set(worker.process.pid, address.port);
    if (listening.size !== workers) return;
    const ports = new Set(listening.values());
    if (ports.size !== 1) {
      process.stderr.write(`workers listen on different ports: ${[...ports].join(', ')}\n`);
      process.exit(1);
    }
    const policy = cluster.schedulingPolicy === cluster.SCHED_NONE ? 'none' : 'rr';
    process.stdout.write(
      `ready ${protocol === 'http' ? 'http' : 'https'}://${host}:${[...ports][0]} policy=${policy} primary=${process.pid} workers=${[...listening.keys()].join(',')}\n`,
    );
  });
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      process.stderr.write(`worker ${worker.process.pid} died (${signal ?? code}); stopping\n`);
      stop();
    } else if (Object.keys(cluster.workers).length === 0) {
      process.exit(0);
    }
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const alive = Object.values(cluster.workers);
    if (alive.length === 0) process.exit(0);
    for (const worker of alive) worker.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  const body = Buffer.from('Hello, World!\n');
  const headers = { 'Content-Type': 'text/plain', 'Content-Length': body.length };
  const hello = (req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  };
  const tls = () => ({
    key: require('node:fs').readFileSync(process.env.KEYFILE),
    cert: require('node:fs').readFileSync(process.env.CERTFILE),
  });
  const server =
    protocol === 'https'
      ? require('node:https').createServer(tls(), hello)
      : protocol === 'h2'
        ? require('node:http2').createSecureServer({ ...tls(), allowHTTP1: true }, hello)
        : http.createServer(hello);
  server.listen(port, host);
  // The primary decides when to stop; a Ctrl-C in the terminal reaches the workers too.
  process.on('SIGINT', () => {});
}
