// An Express app behind a reverse proxy: it reads the scheme and the client's address from
// X-Forwarded-Proto and X-Forwarded-For, which runicorn passes on only from the peers listed in
// --forwarded-allow-ips (127.0.0.1 and ::1 by default) and removes from every other peer.
// `trust proxy` names the proxy's addresses ('loopback' is 127.0.0.1/8 and ::1): keep it the same
// as --forwarded-allow-ips.
// Run: node dist/src/cli/main.js examples/proxy/express.mjs
// then: curl -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-For: 203.0.113.7' http://127.0.0.1:8000/
import express from 'express';

export const app = express();
app.set('trust proxy', 'loopback');

app.get('/', (req, res) => {
  res.json({ protocol: req.protocol, secure: req.secure, ip: req.ip });
});
