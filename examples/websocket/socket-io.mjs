// socket.io on the app's own http.Server, exported (not listening); runicorn listens it.
// With several workers, long-polling clients need sticky sessions (see docs/websocket.md):
// this example allows the websocket transport only, which needs none.
// Run: node dist/src/cli/main.js examples/websocket/socket-io.mjs
// then: a socket.io client with { transports: ['websocket'] }, emit('echo', 'hi', (reply) => ...)
import http from 'node:http';
import { Server } from 'socket.io';

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end(`socket.io served by worker ${process.pid}\n`);
});
const io = new Server(server, { transports: ['websocket'] });
io.on('connection', (socket) => {
  socket.on('echo', (message, reply) => reply({ message, pid: process.pid }));
});

// Tell the clients to go (they reconnect, to another worker) before the graceful timeout.
server.on('runicorn:drain', () => io.disconnectSockets(true));

export default server;
