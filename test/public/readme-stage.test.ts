// A request stage, and its test: no socket, no worker, the same pipeline a worker runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { respond, stage } from 'runicorn';
import { inject } from 'runicorn/testing';

/** Answers 401 unless the request carries the API key; passes it on to the app otherwise. */
export const requireApiKey = (key: string) =>
  stage(function requireApiKey(ex) {
    if (ex.req.headers['x-api-key'] === key) return ex;
    respond(ex, 401, 'Unauthorized\n');
    return undefined;
  });

const app = (_req: unknown, res: { end(body: string): void }) => res.end('the data');

test('requireApiKey turns away requests without the key and lets the others through', async () => {
  const stages = [requireApiKey('s3cret')];
  const denied = await inject({ app, stages }, '/data');
  assert.equal(denied.status, 401);
  assert.equal(denied.body, 'Unauthorized\n');
  const allowed = await inject({ app, stages }, { url: '/data', headers: { 'x-api-key': 's3cret' } });
  assert.equal(allowed.status, 200);
  assert.equal(allowed.body, 'the data');
});
