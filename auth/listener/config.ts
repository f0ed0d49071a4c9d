import type { AuthHttpClientConfig } from "../post-form.ts";

/**
 * Basic auth against users kept in a JSON file: `{ "users": [{ "username": "alice",
 * "password": "<hashPassword() output>", "scopes": ["read"] }] }`. The file is read when the
 * service is attached; attach again to pick up changes.
 *
 * @example
 * ```ts
 * import type { FileUserStoreConfig } from "@tether/websocket";
 * const store: FileUserStoreConfig = { path: "./users.json" };
 * ```
 */
export interface FileUserStoreConfig {
  /** Path of the JSON user file. */
  path: string;
}

/**
 * Basic auth against an LDAP directory (with `ldapts`). The user's entry is searched for
 * under `userSearchBase` as `(&(objectClass=<userEntryObjectClass>)(<userNameAttribute>=<name>))`
 * - bound as `connectionName` if given, else anonymously - or, with `bindDirectly`, taken to
 * be `<userNameAttribute>=<name>,<userSearchBase>`. The request is let in when a bind as that
 * entry with the password succeeds; the names of the groups under `groupSearchBase` that list
 * the entry in `membershipAttribute` are its scopes. The name is escaped in every filter and
 * DN, so no user name can widen a search.
 *
 * @example
 * ```ts
 * import type { LdapUserStoreConfig } from "@tether/websocket";
 * const ldap: LdapUserStoreConfig = {
 *   connectionUrl: "ldap://127.0.0.1:389",
 *   connectionName: "cn=reader,dc=example,dc=com",
 *   connectionPassword: "reader secret",
 *   userSearchBase: "ou=people,dc=example,dc=com",
 *   groupSearchBase: ["ou=groups,dc=example,dc=com"],
 * };
 * ```
 */
export interface LdapUserStoreConfig {
  /** `ldap://host:port` or `ldaps://host:port`. */
  connectionUrl: string;
  /** DN of an account that may search for users; without it, the search is anonymous. */
  connectionName?: string;
  /** That account's password. */
  connectionPassword?: string;
  /** Where user entries are. */
  userSearchBase: string;
  /** The attribute holding the login name. Default "uid". */
  userNameAttribute?: string;
  /** The object class of user entries. Default "person". */
  userEntryObjectClass?: string;
  /** Bind as `<userNameAttribute>=<name>,<userSearchBase>` without searching. Default false. */
  bindDirectly?: boolean;
  /** Where groups are searched, as the user once bound. Default none: no scopes. */
  groupSearchBase?: string[];
  /** The object class of group entries. Default "groupOfNames". */
  groupEntryObjectClass?: string;
  /** The attribute holding a group's name, which becomes a scope. Default "cn". */
  groupNameAttribute?: string;
  /** The group attribute listing member DNs. Default "member". */
  membershipAttribute?: string;
  /** Seconds to wait for the connection. Default 5. */
  connectionTimeout?: number;
  /** Seconds to wait for each LDAP operation. Default 5. */
  readTimeout?: number;
}

/**
 * Where a JWT's signature is checked: exactly one of a JWKS URL (keys cached, fetched again
 * for an unknown `kid`), a PEM certificate or public key (text or file path), or a shared
 * secret for HMAC.
 *
 * @example
 * ```ts
 * import type { JwtSignatureConfig } from "@tether/websocket";
 * const jwks: JwtSignatureConfig = { jwksUrl: "https://issuer.example/.well-known/jwks.json" };
 * ```
 */
export interface JwtSignatureConfig {
  /** A JWKS endpoint. */
  jwksUrl?: string;
  /**
   * With `jwksUrl`: the least number of seconds between two fetches made because a token
   * names a `kid` the cached keys lack, so that made-up `kid`s cannot flood the endpoint.
   * Default 30.
   */
  jwksCooldown?: number;
  /** A PEM certificate (`-----BEGIN CERTIFICATE-----`) or the path of one. */
  certificate?: string;
  /** A PEM SPKI public key (`-----BEGIN PUBLIC KEY-----`) or the path of one. */
  publicKey?: string;
  /** A shared secret for HS256/384/512. */
  secret?: string;
}

/**
 * Bearer auth with JWTs.
 *
 * @example
 * ```ts
 * import type { JwtValidatorConfig } from "@tether/websocket";
 * const jwt: JwtValidatorConfig = {
 *   issuer: "https://issuer.example",
 *   audience: "chat",
 *   clockSkew: 30,
 *   signatureConfig: { secret: "a long random shared secret" },
 * };
 * ```
 */
export interface JwtValidatorConfig {
  /** The `iss` a token must have. */
  issuer?: string;
  /** The `aud` a token must have (one of them). */
  audience?: string | string[];
  /** Seconds of leeway for `exp` and `nbf`. Default 0. */
  clockSkew?: number;
  /** How the signature is checked. */
  signatureConfig: JwtSignatureConfig;
  /** The claim holding the scopes (a space-separated string or an array). Default "scope". */
  scopeKey?: string;
}

/**
 * Bearer auth by OAuth2 token introspection (RFC 7662): each new token is POSTed to `url`
 * with the client's credentials; active results are cached until the token expires.
 *
 * @example
 * ```ts
 * import type { OAuth2IntrospectionConfig } from "@tether/websocket";
 * const introspection: OAuth2IntrospectionConfig = {
 *   url: "https://auth.example/oauth2/introspect",
 *   tokenTypeHint: "access_token",
 *   clientConfig: { auth: { username: "chat-service", password: "service secret" } },
 * };
 * ```
 */
export interface OAuth2IntrospectionConfig {
  /** The introspection endpoint. */
  url: string;
  /** Sent as `token_type_hint`. */
  tokenTypeHint?: string;
  /** The response member holding the scopes (space-separated or an array). Default "scope". */
  scopeKey?: string;
  /** Seconds an active token without `exp` stays cached. Default 3600. */
  defaultTokenExpTime?: number;
  /** Most tokens cached at once; the oldest go first. Default 1000. */
  cacheSize?: number;
  /** Seconds an introspection request may take. Default 10. */
  timeout?: number;
  /** How this service reaches and authenticates to the endpoint. */
  clientConfig?: AuthHttpClientConfig & {
    /** Basic credentials or a bearer token for the endpoint. */
    auth?: { username: string; password: string } | { token: string };
  };
  /** More form parameters for each request. */
  optionalParams?: Record<string, string>;
}

/**
 * One way a service accepts credentials, and the scopes it asks for (any one of them
 * suffices; none listed: authenticated is enough).
 *
 * @example
 * ```ts
 * import type { ListenerAuthConfig } from "@tether/websocket";
 * const auth: ListenerAuthConfig[] = [
 *   { fileUserStoreConfig: { path: "./users.json" }, scopes: ["chat"] },
 *   { jwtValidatorConfig: { signatureConfig: { secret: "shared secret" } } },
 * ];
 * ```
 */
export type ListenerAuthConfig =
  | { fileUserStoreConfig: FileUserStoreConfig; scopes?: string[] }
  | { ldapUserStoreConfig: LdapUserStoreConfig; scopes?: string[] }
  | { jwtValidatorConfig: JwtValidatorConfig; scopes?: string[] }
  | { oauth2IntrospectionConfig: OAuth2IntrospectionConfig; scopes?: string[] };

/**
 * Who an upgrade request was authenticated as, for the upgrade function.
 *
 * @example
 * ```ts
 * import type { AuthInfo } from "@tether/websocket";
 * const greet = (auth: AuthInfo | undefined) => `hello ${auth?.subject ?? "stranger"}`;
 * ```
 */
export interface AuthInfo {
  /** "Basic" or "Bearer". */
  scheme: "Basic" | "Bearer";
  /** The user name, or the token's `sub`. */
  subject: string | undefined;
  /** The scopes the user or token has. */
  scopes: string[];
  /** A JWT's claims, or an introspection response. */
  claims?: Record<string, unknown>;
}
