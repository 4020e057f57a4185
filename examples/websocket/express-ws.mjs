// Express with `ws`: export the http.Server (not listening); runicorn listens it on its sockets.
// Ordinary requests still go through runicorn (limits, hooks, stages, access log) to Express;
// `upgrade` requests go to ws. On drain (TERM, HUP, max-requests) the server is told, and the
// open WebSockets are closed with 1001 (going away) before --graceful-timeout runs out.
// Run: node dist/src/cli/main.js examples/websocket/express-ws.mjs
// then, in a browser console: new WebSocket('ws://127.0.0.1:8000/echo').onmessage = (e) => console.log(e.data)
import http from 'node:http';
import express from 'express';
import { WebSocketServer } from 'ws';

const app = express();
app.get('/', (req, res) => res.type('text').send('Hello from Express; WebSocket echo at /echo\n'));
app.get('/pid', (req, res) => res.type('text').send(String(process.pid)));

const server = http.createServer(app);
const wss = new WebSocketServer({ server, path: '/echo' });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});

server.on('runicorn:drain', () => {
  for (const ws of wss.clients) ws.close(1001, 'server restarting');
});

export default server;
