// Preloaded by the example runner (node --import): sends the guide's fixed API hosts
// (api.yourapp.com, external-api.com) to the local API stub named by
// EXAMPLES_API_STUB, so that the examples run unchanged, with nothing leaving the machine.
const stub = process.env.EXAMPLES_API_STUB;
const HOSTS = new Set(['api.yourapp.com', 'external-api.com']);

if (stub) {
  const target = new URL(stub);
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (!HOSTS.has(url.hostname)) return realFetch(request);
    url.protocol = target.protocol;
    url.host = target.host;
    return realFetch(new Request(url, request));
  };
}
