export { createHttpApp, runService, type HttpServerOptions } from './http-app';
