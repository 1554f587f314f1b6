export { ENV_FIELDS } from './config/env.js';
export { ConfigError } from './config/errors.js';
export { type LoadConfigOptions, loadConfig } from './config/load.js';
export type { JwtConfig, LogLevel, RuleAction, StandaloneConfig, TopicRule } from './config/types.js';
export { CONFIG_FIELDS, validateConfig } from './config/validate.js';
export type {
  ApiHistoryPage,
  ApiPublishResult,
  HttpApiHandler,
  HttpApiHub,
  HttpApiOptions,
} from './http/api.js';
export { createHttpApi } from './http/api.js';
export { createJwtAuthenticate, createJwtVerifier, type JwtIdentity, type JwtVerifier } from './jwt.js';
export { createJsonLogger, type JsonLogger } from './log.js';
export { createRulesAuthorize, RULE_ACTIONS, topicMatcher, userIdOf } from './rules.js';
export { type Standalone, type StartOptions, startStandalone } from './server.js';
