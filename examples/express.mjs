// An Express app, exported as `app` (found without naming it; `examples/express.mjs:app` works too).
// Run: node dist/src/cli/main.js examples/express.mjs   then: curl http://127.0.0.1:8000/json
import express from 'express';

export const app = express();

app.get('/', (req, res) => {
  res.type('text').send('Hello from Express!\n');
});

app.get('/json', (req, res) => {
  res.json({ hello: 'world', framework: 'express' });
});

app.get('/pid', (req, res) => {
  res.type('text').send(String(process.pid));
});
