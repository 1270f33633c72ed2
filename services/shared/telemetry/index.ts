export { requestTrace } from './request-trace.js';
