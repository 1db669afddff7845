export type {
  Allowed,
  CheckOptions,
  CreateAuthOptions,
  Decision,
  MintLinkOptions,
  Principal,
  RefusalCode,
  Refused,
  Route,
} from './auth.js';
export { Auth, createAuth } from './auth.js';
export type {
  AuthConfig,
  CrossOriginResourcePolicy,
  ResolvedAuthConfig,
  Role,
  UserConfig,
} from './config.js';
export { parseAuthConfig } from './config.js';
export { AuthConfigError } from './errors.js';
export { exposureWarning, isLoopbackHost, principalName } from './exposure.js';
export type { HashPasswordIo } from './hash-password-command.js';
export { runHashPassword } from './hash-password-command.js';
export type { HtmlHeaderOptions } from './headers.js';
export { applyCors, cspHash, htmlSecurityHeaders } from './headers.js';
export { loadOrCreateKeyFile, rotateKeyFile } from './key-file.js';
export type { LinkRoute, SignedLink } from './links.js';
export { LINK_PARAMS } from './links.js';
export { renderLoginPage } from './login-page.js';
export type { ScryptCost } from './password.js';
export { DEFAULT_SCRYPT_COST, hashPassword, parsePasswordHash, verifyPassword } from './password.js';
export { redactUrl } from './redact.js';
export { SESSION_COOKIE } from './session.js';
