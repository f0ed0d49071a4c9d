/**
 * tether: a WebSocket library for Deno and Bun that implements the Ballerina WebSocket
 * specification on web-standard APIs.
 *
 * It holds the listener (upgrade services on paths, three server engines), the service
 * dispatcher with its `Caller`, the `Client` (our wire layer on raw sockets, or the global
 * `WebSocket`), and the wire layer underneath: an RFC 6455 frame parser and serializer,
 * RFC 7692 permessage-deflate, close codes and handshake helpers.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameParser, Opcode } from "@tether/websocket";
 * const wire = encodeFrame(Opcode.Text, new TextEncoder().encode("hello"), true);
 * const parser = new FrameParser({ role: "server" }, {
 *   text: (text) => console.log(text), // "hello"
 *   binary: () => {},
 *   compressed: () => {},
 *   ping: () => {},
 *   pong: () => {},
 *   close: () => {},
 *   error: (error) => console.error(error),
 * });
 * parser.push(wire);
 * ```
 *
 * @module
 */
export type {
  AuthInfo,
  FileUserStoreConfig,
  JwtSignatureConfig,
  JwtValidatorConfig,
  LdapUserStoreConfig,
  ListenerAuthConfig,
  OAuth2IntrospectionConfig,
} from "./auth/listener/config.ts";
export { hashPassword } from "./auth/password.ts";
export { Caller } from "./dispatch/caller.ts";
export {
  CloseFrame,
  GoingAway,
  InternalServerError,
  InvalidPayload,
  MessageTooBig,
  NormalClosure,
  PolicyViolation,
  ProtocolError,
  UnsupportedData,
} from "./dispatch/close-frame.ts";
export {
  AuthError,
  AuthnError,
  AuthzError,
  ConnectionClosureError,
  ConnectionError,
  CorruptedFrameError,
  type HandshakeResponse,
  HandshakeTimedOut,
  InvalidContinuationFrameError,
  InvalidHandshakeError,
  PayloadBindingError,
  PayloadTooLargeError,
  PayloadValidationError,
  ReadTimedOutError,
  SslError,
  UpgradeError,
  WebSocketError,
} from "./dispatch/errors.ts";
export type { DispatcherConfig, Service, ServiceConfig } from "./dispatch/service.ts";
export type {
  BindingTarget,
  StandardSchema,
  StandardSchemaIssue,
  StandardSchemaResult,
} from "./dispatch/binding.ts";
export { dispatcherMethodName } from "./dispatch/routing.ts";
export type {
  EngineName,
  ListenerConfiguration,
  ListenerHttp1Settings,
  RequestLimitConfigs,
} from "./listener/config.ts";
export type { BunServerWebSocket, BunWebSocketHandler } from "./connection/bun-api.ts";
export { Listener } from "./listener/listener.ts";
export type {
  BearerTokenConfig,
  ClientAuthConfig,
  CredentialsConfig,
  JwtIssuerConfig,
} from "./client/auth.ts";
export type { AuthHttpClientConfig } from "./auth/post-form.ts";
export type {
  OAuth2ClientCredentialsGrantConfig,
  OAuth2GrantCommon,
  OAuth2GrantConfig,
  OAuth2JwtBearerGrantConfig,
  OAuth2PasswordGrantConfig,
  OAuth2RefreshTokenGrantConfig,
} from "./auth/client/oauth2.ts";
export { Client } from "./client/client.ts";
export type {
  CertKey,
  ClientSecureSocket,
  ListenerSecureSocket,
  TlsProtocol,
} from "./connection/tls-settings.ts";
export type {
  ClientConfiguration,
  ClientTransportName,
  PingPongService,
  RetryConfig,
} from "./client/config.ts";
export type { Cookie } from "./client/handshake.ts";
export type { UpgradeContext, UpgradeFunction } from "./listener/upgrade.ts";
export { type BinaryInput, toBytes } from "./frame/bytes.ts";
export {
  CloseCode,
  type ClosePayload,
  decodeClosePayload,
  encodeClosePayload,
  isValidCloseCode,
  MAX_CLOSE_REASON_BYTES,
} from "./frame/close.ts";
export { PerMessageDeflate, type PerMessageDeflateOptions } from "./frame/deflate.ts";
export {
  acceptDeflateOffer,
  acceptDeflateResponse,
  createDeflateOffer,
  type DeflateAgreement,
  type DeflateOptions,
  type DeflateParams,
  PERMESSAGE_DEFLATE,
} from "./frame/deflate-negotiation.ts";
export { FrameError } from "./frame/errors.ts";
export {
  computeAcceptKey,
  generateClientKey,
  isValidClientKey,
  WEBSOCKET_GUID,
} from "./frame/handshake.ts";
export {
  type ExtensionOffer,
  hasToken,
  isToken,
  parseExtensions,
  parseTokenList,
} from "./frame/header-lists.ts";
export { applyMask } from "./frame/mask.ts";
export { isControlOpcode, isKnownOpcode, Opcode } from "./frame/opcode.ts";
export { type FrameHandler, FrameParser, type FrameParserOptions } from "./frame/parser.ts";
export {
  encodeFragments,
  encodeFrame,
  encodeFrameHeader,
  encodeTextFrame,
  frameHeaderLength,
} from "./frame/serializer.ts";
export { decodeUtf8, isValidUtf8, Utf8Validator } from "./frame/utf8.ts";
