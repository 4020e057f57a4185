// Hono with @hono/node-ws: the Fetch app is served by the exported http.Server, which
// injectWebSocket() hooks for upgrades; runicorn listens it on its sockets.
// Run: node dist/src/cli/main.js examples/websocket/hono-ws.mjs
// then: new WebSocket('ws://127.0.0.1:8000/ws') and send it anything
import http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createNodeWebSocket } from '@hono/node-ws';
import { Hono } from 'hono';

const app = new Hono();
const { injectWebSocket, upgradeWebSocket, wss } = createNodeWebSocket({ app });

app.get('/', (c) => c.text('Hello from Hono; WebSocket echo at /ws\n'));
app.get(
  '/ws',
  upgradeWebSocket(() => ({
    onMessage(event, ws) {
      ws.send(`echo: ${event.data}`);
    },
  })),
);

const server = http.createServer(getRequestListener(app.fetch));
injectWebSocket(server);
server.on('runicorn:drain', () => {
  for (const ws of wss.clients) ws.close(1001, 'server restarting');
});

export default server;
