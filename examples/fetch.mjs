// A Fetch handler: `{ fetch(request) }` returning a web Response, as Bun, Deno and Workers use.
// Run: node dist/src/cli/main.js examples/fetch.mjs   then: curl 'http://127.0.0.1:8000/hi?name=Ada'
export default {
  fetch(request) {
    const url = new URL(request.url);
    const name = url.searchParams.get('name') ?? 'World';
    return new Response(`Hello, ${name}! You asked for ${url.pathname}\n`, {
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    });
  },
};
