// Makes the certificates the TLS tests use, fresh for each run, with the system's openssl:
// a test CA that the runtimes are told to trust, a server certificate it signed for
// localhost and 127.0.0.1, one it signed for another host, one that has expired, a client
// certificate for mutual TLS, and a self-signed one.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function openssl(dir, args) {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function signed(dir, name, altNames, usage = "serverAuth") {
  openssl(dir, [
    "req",
    ...KEY,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${name}`,
  ]);
  writeFileSync(
    join(dir, `${name}.ext`),
    `subjectAltName=${altNames}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=${usage}\n`,
  );
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    `${name}.pem`,
    "-extfile",
    `${name}.ext`,
  ]);
}

/** A server certificate for localhost whose validity ended in 2021. */
function expired(dir) {
  openssl(dir, [
    "req",
    ...KEY,
    "-keyout",
    "expired.key",
    "-out",
    "expired.csr",
    "-subj",
    "/CN=localhost",
  ]);
  // `openssl x509` cannot backdate a certificate; `openssl ca` can, given a small database.
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(
    join(dir, "ca.cnf"),
    [
      "[ca]",
      "default_ca = test",
      "[test]",
      "database = index.txt",
      "new_certs_dir = .",
      "serial = ca.srl",
      "default_md = sha256",
      "policy = any",
      "copy_extensions = none",
      "x509_extensions = server",
      "[any]",
      "commonName = supplied",
      "[server]",
      "subjectAltName = DNS:localhost,IP:127.0.0.1",
      "basicConstraints = CA:FALSE",
      "extendedKeyUsage = serverAuth",
      "",
    ].join("\n"),
  );
  openssl(dir, [
    "ca",
    "-batch",
    "-config",
    "ca.cnf",
    "-cert",
    "ca.pem",
    "-keyfile",
    "ca.key",
    "-in",
    "expired.csr",
    "-out",
    "expired.pem",
    "-startdate",
    "20200101000000Z",
    "-enddate",
    "20210101000000Z",
    "-notext",
  ]);
}

/** Writes the test certificates into a new temporary folder and returns its path. */
export function makeTestCertificates() {
  const dir = mkdtempSync(join(tmpdir(), "tether-certs-"));
  openssl(dir, [
    "req",
    "-x509",
    ...KEY,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=tether test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  signed(dir, "server", "DNS:localhost,IP:127.0.0.1");
  signed(dir, "other-host", "DNS:other.test");
  signed(dir, "client", "DNS:client.test", "clientAuth");
  expired(dir);
  openssl(dir, [
    "req",
    "-x509",
    ...KEY,
    "-keyout",
    "self-signed.key",
    "-out",
    "self-signed.pem",
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ]);
  return dir;
}
