/**
 * A setting of the auth configuration that cannot be used. `setting` names it the way the user wrote it
 * (`auth.users[1].password`), so a server can show the message as it is. Recognise it by `code`.
 */
export class AuthConfigError extends Error {
  readonly code = 'AUTH_CONFIG';
  readonly setting: string;

  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super(`${setting}: ${message}`, options);
    this.name = 'AuthConfigError';
    this.setting = setting;
  }
}
