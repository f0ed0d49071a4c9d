/**
 * The CAs a `node:tls` connection trusts when `ca` is added: the runtime's own (including
 * those added through NODE_EXTRA_CA_CERTS or DENO_CERT) and `ca`, or `ca` alone.
 */
export async function trustedCertificates(ca: string, withRuntime: boolean): Promise<string[]> {
  if (!withRuntime) return [ca];
  const nodeTls = await import("node:tls");
  const runtime = nodeTls.getCACertificates?.("default") ?? [...nodeTls.rootCertificates];
  return [...runtime, ca];
}
