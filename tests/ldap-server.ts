import { Buffer } from "node:buffer";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { within } from "./net-support.ts";

export const SUFFIX = "dc=tether,dc=test";
export const PEOPLE = `ou=people,${SUFFIX}`;
export const GROUPS = `ou=groups,${SUFFIX}`;
export const READER = { dn: `cn=reader,${SUFFIX}`, password: "reader secret" };

/** A salted SHA-1 password as slapd stores it. */
function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash("sha1").update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString("base64")}`;
}

function person(uid: string, password: string): string {
  return `dn: uid=${uid},${PEOPLE}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid}\n` +
    `sn: ${uid}\nuserPassword: ${ssha(password)}\n`;
}

function group(name: string, members: string[]): string {
  return `dn: cn=${name},${GROUPS}\nobjectClass: groupOfNames\ncn: ${name}\n` +
    members.map((uid) => `member: uid=${uid},${PEOPLE}\n`).join("");
}

/**
 * The test directory: alice (wonderland) in the groups chat and readers, bob (builder) in
 * readers only, and a reader account that may search.
 */
function directory(): string {
  return [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: tether\ndc: tether\n`,
    `dn: ${PEOPLE}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: ${GROUPS}\nobjectClass: organizationalUnit\nou: groups\n`,
    `dn: ${READER.dn}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n` +
    `cn: reader\nuserPassword: ${ssha(READER.password)}\n`,
    person("alice", "wonderland"),
    person("bob", "builder"),
    group("chat", ["alice"]),
    group("readers", ["alice", "bob"]),
  ].join("\n");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once a TCP connection to `port` opens, trying again each time one is refused. */
function accepting(port: number): Promise<void> {
  return new Promise((resolve) => {
    const attempt = () => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", attempt);
    };
    attempt();
  });
}

/** A running slapd (installed by scripts/setup.sh) on 127.0.0.1 with the test directory. */
export interface Slapd {
  url: string;
  stop(): Promise<void>;
}

/** Loads the test directory into a fresh database and starts slapd on a free port. */
export async function startSlapd(): Promise<Slapd> {
  const dir = mkdtempSync(join(tmpdir(), "tether-ldap-"));
  mkdirSync(join(dir, "db"));
  const config = join(dir, "slapd.conf");
  writeFileSync(
    config,
    [
      "include /etc/ldap/schema/core.schema",
      "include /etc/ldap/schema/cosine.schema",
      "include /etc/ldap/schema/inetorgperson.schema",
      "modulepath /usr/lib/ldap",
      "moduleload back_mdb",
      `pidfile ${join(dir, "slapd.pid")}`,
      "database mdb",
      `suffix "${SUFFIX}"`,
      `directory ${join(dir, "db")}`,
      "maxsize 10485760",
      "access to attrs=userPassword by anonymous auth by self read by * none",
      "access to * by * read",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "directory.ldif"), directory());
  execFileSync("/usr/sbin/slapadd", ["-f", config, "-l", join(dir, "directory.ldif")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  // -d 256 keeps slapd in the foreground and logs "slapd starting" once it listens.
  const child: ChildProcess = spawn(
    "/usr/sbin/slapd",
    ["-f", config, "-h", `${url}/`, "-d", "256"],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let log = "";
  await within(
    new Promise<void>((resolve, reject) => {
      child.stderr!.on("data", (chunk: Uint8Array) => {
        log += new TextDecoder().decode(chunk);
        if (log.includes("slapd starting")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`slapd exited with ${code}: ${log}`)));
      child.once("error", reject);
    }),
    "slapd to start",
  );
  // slapd says it is starting just before it opens its listening socket.
  await within(accepting(port), "slapd to accept connections");
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await within(exited, "slapd to stop");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
