// Hello world, and the benchmark app: a plain Node (req, res) handler as the default export.
// Run: node dist/src/cli/main.js examples/hello.mjs   then: curl http://127.0.0.1:8000/
// Body and headers are built once; a request only writes them.
const body = Buffer.from('Hello, World!\n');
const headers = { 'Content-Type': 'text/plain', 'Content-Length': body.length };

export default function hello(req, res) {
  res.writeHead(200, headers);
  res.end(body);
}
