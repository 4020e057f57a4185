// A worker class of your own, on runicorn's gthread worker (docs/worker-classes.md):
//
//   runicorn -k examples/worker-class/counting-worker.mjs --threads 4 examples/worker-class/app.mjs
//
// - checkConfig runs once in the arbiter at start (and on HUP): it refuses --threads below 2, so
//   a wrong configuration stops runicorn with one line and exit 1 before any worker starts.
// - init runs in every worker before its servers listen: it numbers each connection the worker
//   accepts (the app reads the number from req.socket) and bounds how long a request may take.
// - concurrency is worked out from the settings: twice --threads requests in flight at once.
// Nothing here runs per request: only once per worker and once per connection.

export const CONNECTION_NUMBER = Symbol.for('counting-worker.connection');

export default {
  base: 'gthread',

  concurrency(config) {
    return config.threads * 2;
  },

  checkConfig(config, log) {
    if (config.threads < 2) throw new Error(`needs --threads 2 or more, got ${config.threads}`);
    log.info(`counting worker: up to ${config.threads * 2} requests at once per worker`);
  },

  init({ servers, log, age }) {
    let connections = 0;
    for (const server of servers) {
      server.requestTimeout = 30_000;
      server.on('connection', (socket) => {
        connections += 1;
        socket[CONNECTION_NUMBER] = connections;
      });
    }
    log.info(`counting worker ${age}: numbering connections`);
  },
};
