/** The package's version: package.json's, which is the Rust workspace's (test/version.test.ts). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const VERSION: string = (require('../package.json') as { version: string }).version;
