import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import OAuth2Server from "@node-oauth/oauth2-server";
import { jwtVerify } from "jose";
import { within } from "./net-support.ts";

/** The clients the authorization server knows. */
export const APP = { id: "chat-app", secret: "app secret" };
export const SERVICE = { id: "chat-service", secret: "service secret" };
/** The key the JWT bearer grant's assertions are signed with, and their audience. */
export const ASSERTION_KEY = "a key for assertions, long enough";
export const ASSERTION_AUDIENCE = "https://auth.test";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/**
 * An OAuth2 authorization server built on `@node-oauth/oauth2-server` with an in-memory
 * store: the password, client credentials, refresh token and JWT bearer grants at /token,
 * and RFC 7662 introspection at /introspect (for SERVICE), where a token is checked by the
 * library's own `authenticate`. Token lifetimes are `lifetime` seconds.
 */
export async function startOAuth2Server(
  lifetime = 3600,
  tls?: { cert: string; key: string },
) {
  const tokens = new Map<string, OAuth2Server.Token>();
  const refreshTokens = new Map<string, OAuth2Server.Token>();
  /** Grant types of the token requests served, in order. */
  const grants: string[] = [];
  const introspected: string[] = [];
  const clients = [
    {
      ...APP,
      grants: ["password", "refresh_token", "client_credentials", JWT_BEARER],
      accessTokenLifetime: lifetime,
    },
  ];
  const model:
    & OAuth2Server.ClientCredentialsModel
    & OAuth2Server.PasswordModel
    & OAuth2Server.RefreshTokenModel = {
      getClient: (id: string, secret: string | null) => {
        const client = clients.find((c) => c.id === id);
        return Promise.resolve(
          client && (secret === null || secret === client.secret) ? client : false,
        );
      },
      getUser: (username: string, password: string) =>
        Promise.resolve(
          username === "alice" && password === "wonderland" ? { id: "alice" } : false,
        ),
      getUserFromClient: (client) => Promise.resolve({ id: client.id }),
      validateScope: (_user, _client, scope) => Promise.resolve(scope ?? ["chat"]),
      saveToken: (token, client, user) => {
        const stored = { ...token, client, user };
        tokens.set(stored.accessToken, stored);
        if (stored.refreshToken) refreshTokens.set(stored.refreshToken, stored);
        return Promise.resolve(stored);
      },
      getAccessToken: (accessToken: string) => Promise.resolve(tokens.get(accessToken)),
      getRefreshToken: (refreshToken: string) =>
        Promise.resolve(refreshTokens.get(refreshToken) as OAuth2Server.RefreshToken | undefined),
      revokeToken: (token) => Promise.resolve(refreshTokens.delete(token.refreshToken)),
      verifyScope: () => Promise.resolve(true),
    };

  /** RFC 7523: an assertion signed with ASSERTION_KEY stands for its `sub`. */
  class JwtBearerGrant extends OAuth2Server.AbstractGrantType {
    async handle(request: OAuth2Server.Request, client: OAuth2Server.Client) {
      let subject: string | undefined;
      try {
        const { payload } = await jwtVerify(
          String(request.body.assertion),
          new TextEncoder().encode(ASSERTION_KEY),
          { audience: ASSERTION_AUDIENCE },
        );
        subject = payload.sub;
      } catch {
        subject = undefined;
      }
      if (subject === undefined) throw new OAuth2Server.InvalidGrantError("bad assertion");
      const user = { id: subject };
      const scope = await this.validateScope(user, client, this.getScope(request)) || [];
      return model.saveToken(
        {
          accessToken: await this.generateAccessToken(client, user, scope),
          accessTokenExpiresAt: this.getAccessTokenExpiresAt(),
          scope,
          client,
          user,
        },
        client,
        user,
      );
    }
  }
  const oauth = new OAuth2Server({
    model,
    accessTokenLifetime: lifetime,
    extendedGrantTypes: { [JWT_BEARER]: JwtBearerGrant },
  });

  const readForm = async (request: IncomingMessage) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    return Object.fromEntries(new URLSearchParams(body));
  };
  const reply = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  const serviceCredentials = `Basic ${btoa(`${SERVICE.id}:${SERVICE.secret}`)}`;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readForm(request);
    const oauthRequest = new OAuth2Server.Request({
      headers: request.headers as Record<string, string>,
      method: request.method!,
      query: {},
      body,
    });
    if (request.url === "/token") {
      grants.push(body.grant_type);
      try {
        const token = await oauth.token(oauthRequest, new OAuth2Server.Response());
        reply(response, 200, {
          access_token: token.accessToken,
          token_type: "Bearer",
          expires_in: lifetime,
          ...(token.refreshToken && { refresh_token: token.refreshToken }),
        });
      } catch (error) {
        const { code = 400, name, message } = error as OAuth2Server.OAuthError;
        reply(response, code, { error: name, error_description: message });
      }
      return;
    }
    if (request.url === "/introspect") {
      if (request.headers.authorization !== serviceCredentials) {
        return reply(response, 401, { error: "invalid_client" });
      }
      introspected.push(body.token);
      try {
        const token = await oauth.authenticate(
          new OAuth2Server.Request({
            headers: { authorization: `Bearer ${body.token}` },
            method: "GET",
            query: {},
          }),
          new OAuth2Server.Response(),
        );
        reply(response, 200, {
          active: true,
          scope: token.scope?.join(" "),
          client_id: token.client.id,
          sub: token.user.id,
          token_type_hint_seen: body.token_type_hint,
          exp: Math.floor(token.accessTokenExpiresAt!.getTime() / 1000),
        });
      } catch {
        reply(response, 200, { active: false });
      }
      return;
    }
    reply(response, 404, { error: "not_found" });
  };
  const http = tls === undefined ? createServer(handle) : createHttpsServer(tls, handle);
  await within(
    new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve())),
    "the OAuth2 server to listen",
  );
  const base = `${tls ? "https" : "http"}://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    tokenUrl: `${base}/token`,
    introspectUrl: `${base}/introspect`,
    grants,
    introspected,
    /** An access token and a refresh token issued to alice, as the password grant would. */
    async tokensForAlice(): Promise<{ accessToken: string; refreshToken: string }> {
      const client = clients[0];
      const user = { id: "alice" };
      const accessToken = randomBytes(16).toString("hex");
      const refreshToken = randomBytes(16).toString("hex");
      await model.saveToken(
        {
          accessToken,
          accessTokenExpiresAt: new Date(Date.now() + lifetime * 1000),
          refreshToken,
          refreshTokenExpiresAt: new Date(Date.now() + 3600_000),
          scope: ["chat"],
          client,
          user,
        },
        client,
        user,
      );
      return { accessToken, refreshToken };
    },
    stop: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}
