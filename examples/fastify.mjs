// A Fastify instance, exported without calling listen(): runicorn awaits app.ready() and
// serves its `routing` listener on the worker's inherited sockets.
// Run: node dist/src/cli/main.js examples/fastify.mjs   then: curl http://127.0.0.1:8000/json
import Fastify from 'fastify';

const app = Fastify();

app.get('/', async () => 'Hello from Fastify!\n');
app.get('/json', async () => ({ hello: 'world', framework: 'fastify' }));
app.get('/pid', async () => String(process.pid));

export default app;
