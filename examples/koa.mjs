// A Koa app as the default export; runicorn serves it through app.callback().
// Run: node dist/src/cli/main.js examples/koa.mjs   then: curl http://127.0.0.1:8000/
import Koa from 'koa';

const app = new Koa();

app.use(async (ctx) => {
  if (ctx.path === '/pid') ctx.body = String(process.pid);
  else ctx.body = 'Hello from Koa!\n';
});

export default app;
