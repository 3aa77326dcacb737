// The Lambda Runtime API loop Node's managed runtime runs around a handler,
// reduced to its essentials (so the baseline errs in Node's favour): load the
// handler, then poll for events and post each answer.
const api = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;
const { handler } = await import('./handler.mjs');

for (;;) {
  const next = await fetch(`${api}/invocation/next`);
  const id = next.headers.get('lambda-runtime-aws-request-id');
  const answer = await handler(await next.json());
  await fetch(`${api}/invocation/${id}/response`, {
    method: 'POST',
    body: JSON.stringify(answer),
  });
}
