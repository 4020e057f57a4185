// A Fastify app behind a reverse proxy: with `trustProxy: '127.0.0.1,::1'` it reads the scheme and the
// client's address from X-Forwarded-Proto and X-Forwarded-For, which runicorn passes on only
// from the peers listed in --forwarded-allow-ips (127.0.0.1 and ::1 by default). Keep the two
// lists the same.
// Run: node dist/src/cli/main.js examples/proxy/fastify.mjs
// then: curl -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-For: 203.0.113.7' http://127.0.0.1:8000/
import Fastify from 'fastify';

const app = Fastify({ trustProxy: '127.0.0.1,::1' });

app.get('/', async (request) => ({ protocol: request.protocol, ip: request.ip }));

export default app;
