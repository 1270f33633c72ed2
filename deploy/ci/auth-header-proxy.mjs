// A loopback HTTP proxy that adds `Authorization: Bearer <token>` to every request and forwards it,
// Host and Origin unchanged, to the MCP server. The MCP conformance suite sends no credentials, while
// this server (rightly) refuses unauthenticated calls; the proxy lets the suite test the protocol
// behind the authorization layer without weakening the server.
//   node deploy/ci/auth-header-proxy.mjs <listen-port> <target-port>   (token in MCP_TOKEN)
import http from 'node:http';

const [listenPort, targetPort] = process.argv.slice(2).map(Number);
const token = process.env.MCP_TOKEN;
if (!listenPort || !targetPort || !token) {
  console.error('usage: MCP_TOKEN=<jwt> node auth-header-proxy.mjs <listen-port> <target-port>');
  process.exit(2);
}

http
  .createServer((request, response) => {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: targetPort,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, authorization: `Bearer ${token}` },
      },
      (reply) => {
        response.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`proxy: ${error.message}`);
    });
    request.pipe(upstream);
  })
  .listen(listenPort, '127.0.0.1', () => console.log(`auth-header-proxy :${listenPort} -> :${targetPort}`));
