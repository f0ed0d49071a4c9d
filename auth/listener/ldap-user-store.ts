import { AndFilter, Client, DN, EqualityFilter, InvalidCredentialsError } from "ldapts";
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

/** The DN of the user called `username`, or undefined when there is not exactly one. */
async function findUser(client: Client, settings: LdapSettings, username: string) {
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

async function groupsOf(client: Client, settings: LdapSettings, dn: string): Promise<string[]> {
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
    const client = new Client({
      url: settings.url,
      connectTimeout: settings.connectTimeoutMs,
      timeout: settings.readTimeoutMs,
    });
    try {
      const dn = await findUser(client, settings, username);
      if (dn === undefined) return { ok: false, reason: "unknown user or wrong password" };
      await client.bind(dn, password);
      const scopes = await groupsOf(client, settings, dn);
      return { ok: true, info: { scheme: "Basic", subject: username, scopes } };
    } catch (error) {
      if (error instanceof InvalidCredentialsError) {
        return { ok: false, reason: "unknown user or wrong password" };
      }
      // The directory failed, not the user: say so without the credentials.
      console.warn(
        `[tether] LDAP user store ${settings.url}: ${(error as Error)?.message ?? error}`,
      );
      return { ok: false, reason: "the user directory could not be asked" };
    } finally {
      await client.unbind().catch(() => {});
    }
  };
}
