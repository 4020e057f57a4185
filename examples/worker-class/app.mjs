// The app served by the counting worker: it answers with the number its worker class gave the
// connection, so a keep-alive client sees the same number twice and a new connection the next.
import { CONNECTION_NUMBER } from './counting-worker.mjs';

export default function app(req, res) {
  res.setHeader('Content-Type', 'text/plain');
  res.end(`connection ${req.socket[CONNECTION_NUMBER] ?? 'not numbered'} of worker ${process.pid}\n`);
}
