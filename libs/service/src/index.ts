export { createHttpApp, runService } from './http-app';
