export { AppError } from './app-error.js';
export { type ErrorCode, errorCodes } from './codes.js';
