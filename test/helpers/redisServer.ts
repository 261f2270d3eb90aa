/** Moved to devkit/ (the soak benchmark starts its own Redis too); kept here for the tests' imports. */
export * from '../../devkit/redisServer.ts';
