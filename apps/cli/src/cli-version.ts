import cliPackage from '../package.json' with { type: 'json' }

/** The CLI's version (`sluice --version`), read from its package.json (src/ and dist/ sit one folder below it). */
export const CLI_VERSION: string = cliPackage.version
