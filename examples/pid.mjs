// Answers with the pid of the worker that served the request (tests use it to tell workers apart).
// Run: node dist/src/cli/main.js -w 4 examples/pid.mjs   then: curl http://127.0.0.1:8000/
export default function pid(req, res) {
  const body = String(process.pid);
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
