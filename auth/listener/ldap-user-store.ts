import type { Client } from "ldapts";
import type { LdapUserStoreConfig } from "./config.ts";
import type { Verdict } from "./verdict.ts";

interface LdapSettings {
  url: string;
  serviceDn?: string;
  servicePassword?: string;
  userSearchBase: string;
  userNameAttribute: string;
  userEntryObjectClass: string;
  bindDirectly: boolean;
  groupSearchBases: string[];
  groupEntryObjectClass: string;
  groupNameAttribute: string;
  membershipAttribute: string;
  connectTimeoutMs: number;
  readTimeoutMs: number;
}

function readSettings(config: LdapUserStoreConfig): LdapSettings {
  const name = "ldapUserStoreConfig";
  if (typeof config !== "object" || config === null) {
    throw new TypeError(`${name} must be an object`);
  }
  const text = (field: keyof LdapUserStoreConfig, fallback?: string): string => {
    const value = config[field] ?? fallback;
    if (typeof value !== "string" || value === "") {
      throw new TypeError(`${name}.${field} must be a non-empty string`);
    }
    return value;
  };
  const seconds = (field: "connectionTimeout" | "readTimeout"): number => {
    const value = config[field] ?? 5;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`${name}.${field} must be a positive number of seconds, got ${value}`);
    }
    return value * 1000;
  };
  const url = text("connectionUrl");
  if (!/^ldaps?:\/\//.test(url)) {
    throw new TypeError(`${name}.connectionUrl must be an ldap:// or ldaps:// URL`);
  }
  if ((config.connectionName === undefined) !== (config.connectionPassword === undefined)) {
    throw new TypeError(`${name}: connectionName and connectionPassword go together`);
  }
  const groupSearchBases = config.groupSearchBase ?? [];
  if (!Array.isArray(groupSearchBases) || !groupSearchBases.every((b) => typeof b === "string")) {
    throw new TypeError(`${name}.groupSearchBase must be an array of DNs`);
  }
  return {
    url,
    serviceDn: config.connectionName === undefined ? undefined : text("connectionName"),
    servicePassword: config.connectionPassword,
    userSearchBase: text("userSearchBase"),
    userNameAttribute: text("userNameAttribute", "uid"),
    userEntryObjectClass: text("userEntryObjectClass", "person"),
    bindDirectly: config.bindDirectly ?? false,
    groupSearchBases,
    groupEntryObjectClass: text("groupEntryObjectClass", "groupOfNames"),
    groupNameAttribute: text("groupNameAttribute", "cn"),
    membershipAttribute: text("membershipAttribute", "member"),
    connectTimeoutMs: seconds("connectionTimeout"),
    readTimeoutMs: seconds("readTimeout"),
  };
}

type Ldap = typeof import("ldapts");

/** The DN of the user called `username`, or undefined when there is not exactly one. */
async function findUser(ldap: Ldap, client: Client, settings: LdapSettings, username: string) {
  const { AndFilter, DN, EqualityFilter } = ldap;
  if (settings.bindDirectly) {
    // DN escapes the name, so it can never add or change a DN component.
    return `${new DN({ [settings.userNameAttribute]: username })},${settings.userSearchBase}`;
  }
  if (settings.serviceDn !== undefined) {
    try {
      await client.bind(settings.serviceDn, settings.servicePassword);
    } catch (error) {
      throw new Error(`connectionName could not bind: ${(error as Error)?.message ?? error}`);
    }
  }
  // EqualityFilter escapes the value: `*`, `(`, `)`, `\` and NUL match only themselves.
  const filter = new AndFilter({
    filters: [
      new EqualityFilter({ attribute: "objectClass", value: settings.userEntryObjectClass }),
      new EqualityFilter({ attribute: settings.userNameAttribute, value: username }),
    ],
  });
  const { searchEntries } = await client.search(settings.userSearchBase, {
    scope: "sub",
    filter,
    attributes: ["dn"],
    sizeLimit: 2,
  });
  return searchEntries.length === 1 ? searchEntries[0].dn : undefined;
}

async function groupsOf(
  ldap: Ldap,
  client: Client,
  settings: LdapSettings,
  dn: string,
): Promise<string[]> {
  const { AndFilter, EqualityFilter } = ldap;
  const filter = new AndFilter({
    filters: [
      new EqualityFilter({ attribute: "objectClass", value: settings.groupEntryObjectClass }),
      new EqualityFilter({ attribute: settings.membershipAttribute, value: dn }),
    ],
  });
  const groups: string[] = [];
  for (const base of settings.groupSearchBases) {
    const { searchEntries } = await client.search(base, {
      scope: "sub",
      filter,
      attributes: [settings.groupNameAttribute],
    });
    for (const entry of searchEntries) {
      const names = entry[settings.groupNameAttribute];
      for (const name of Array.isArray(names) ? names : [names]) {
        if (typeof name === "string") groups.push(name);
      }
    }
  }
  return groups;
}

/** The directory failed, not the user: says so in the log without the credentials. */
function directoryFailed(settings: LdapSettings, error: unknown): Verdict {
  console.warn(`[tether] LDAP user store ${settings.url}: ${(error as Error)?.message ?? error}`);
  return { ok: false, reason: "the user directory could not be asked" };
}

async function ask(
  ldap: Ldap,
  settings: LdapSettings,
  username: string,
  password: string,
): Promise<Verdict> {
  const client = new ldap.Client({
    url: settings.url,
    connectTimeout: settings.connectTimeoutMs,
    timeout: settings.readTimeoutMs,
  });
  try {
    const dn = await findUser(ldap, client, settings, username);
    if (dn === undefined) return { ok: false, reason: "unknown user or wrong password" };
    await client.bind(dn, password);
    const scopes = await groupsOf(ldap, client, settings, dn);
    return { ok: true, info: { scheme: "Basic", subject: username, scopes } };
  } catch (error) {
    if (error instanceof ldap.InvalidCredentialsError) {
      return { ok: false, reason: "unknown user or wrong password" };
    }
    return directoryFailed(settings, error);
  } finally {
    await client.unbind().catch(() => {});
  }
}

/**
 * Checks Basic credentials against an LDAP directory: finds the user's entry (or composes
 * its DN), binds as it with the password, and reads the names of the groups listing it
 * as scopes. Settings are checked now; the directory is asked on each request.
 */
export function createLdapUserStore(
  config: LdapUserStoreConfig,
): (username: string, password: string) => Promise<Verdict> {
  const settings = readSettings(config);
  return async (username, password) => {
    // An LDAP bind with an empty password is an anonymous bind, which always succeeds.
    if (username === "" || password === "") {
      return { ok: false, reason: "empty user name or password" };
    }
    let ldap: Ldap;
    try {
      // Loaded when a directory is first asked, so that a listener without an LDAP user
      // store never pays for its memory and start-up time.
      ldap = await import("ldapts");
    } catch (error) {
      return directoryFailed(settings, error);
    }
    return ask(ldap, settings, username, password);
  };
}
