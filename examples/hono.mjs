// A Hono app as the default export, served as a Fetch handler through @hono/node-server.
// Run: node dist/src/cli/main.js examples/hono.mjs   then: curl http://127.0.0.1:8000/pid
import { Hono } from 'hono';

const app = new Hono();

app.get('/', (c) => c.text('Hello from Hono!\n'));
app.get('/pid', (c) => c.text(String(process.pid)));

export default app;
